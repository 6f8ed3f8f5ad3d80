package dev.starling.benchmarks;

import dev.starling.transport.sim.SwarmSimulation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The simulator's {@code --report} page: one self-contained HTML file (charts drawn by XChart, embedded as PNG),
 * readable from disk without a server.
 */
final class SimReport {
    private SimReport() {
    }

    static Path write(Path dir, SwarmSimulation.Result r, String json) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        SwarmSimulation.Config c = r.config();
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Starling simulation: ")
                .append(c.viewers()).append(" viewers</title>\n<style>body{font-family:sans-serif;max-width:1000px;"
                        + "margin:2em auto}img{max-width:100%}table{border-collapse:collapse}td{padding:2px 8px;"
                        + "border-bottom:1px solid #ddd}code{word-break:break-all}</style></head><body>\n");
        html.append("<h1>Starling simulation: ").append(c.viewers()).append(" viewers, ").append(c.durationS())
                .append(" s, strategy ").append(c.strategy().cliName()).append("</h1>\n");
        html.append("<p>").append(escape(r.summary())).append("</p>\n<table>\n");
        for (String field : json.substring(1, json.length() - 1).split(",(?=\")")) {
            String[] kv = field.split(":", 2);
            html.append("<tr><td>").append(escape(kv[0].replace("\"", ""))).append("</td><td>")
                    .append(escape(kv[1].replace("\"", ""))).append("</td></tr>\n");
        }
        html.append("</table>\n");
        html.append(figure("Broadcaster upload over time", broadcasterUpload(r)));
        html.append(figure("Latency, publish to in-order delivery (CDF)", latencyCdf(r)));
        html.append(figure("Continuity over time", continuity(r)));
        html.append(figure("Upload used per viewer class (share of capacity)", uploadPerClass(r)));
        html.append("<p>Machine-readable figures: <code>").append(escape(json)).append("</code></p>\n</body></html>\n");
        Path page = dir.resolve("index.html");
        Files.writeString(page, html.toString(), StandardCharsets.UTF_8);
        return page;
    }

    private static String figure(String title, Chart<?, ?> chart) throws IOException {
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        return "<h2>" + escape(title) + "</h2>\n<img alt=\"" + escape(title) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png) + "\">\n";
    }

    private static XYChart broadcasterUpload(SwarmSimulation.Result r) {
        int n = Math.max(1, r.config().durationS());
        double[] x = new double[n];
        double[] stream = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
            stream[i] = r.config().bitrateBps() / 1e6;
        }
        SwarmSimulation.BroadcasterUpload parts = r.broadcasterUpload();
        XYChart chart = new XYChartBuilder().width(900).height(360).xAxisTitle("virtual time (s)")
                .yAxisTitle("Mbit/s").build();
        chart.addSeries("broadcaster upload", x, mbps(r.broadcasterBytesPerSecond(), n)).setMarker(SeriesMarkers.NONE);
        chart.addSeries("to the trees' roots", x, mbps(parts.rootBytesPerSecond(), n)).setMarker(SeriesMarkers.NONE);
        chart.addSeries("to roots handing over", x, mbps(parts.handOverBytesPerSecond(), n))
                .setMarker(SeriesMarkers.NONE);
        chart.addSeries("to reserve slots", x, mbps(parts.reserveBytesPerSecond(), n)).setMarker(SeriesMarkers.NONE);
        chart.addSeries("pull repair", x, mbps(parts.repairBytesPerSecond(), n)).setMarker(SeriesMarkers.NONE);
        chart.addSeries("one copy of the stream", x, stream).setMarker(SeriesMarkers.NONE)
                .setLineColor(java.awt.Color.GRAY).setLineStyle(SeriesLines.DASH_DASH); // a reference, not a part
        return chart;
    }

    private static double[] mbps(long[] bytesPerSecond, int n) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = bytesPerSecond[i] * 8 / 1e6;
        }
        return y;
    }

    private static XYChart latencyCdf(SwarmSimulation.Result r) {
        long[] h = r.latencyHistogramMs();
        long total = 0;
        int last = 0;
        for (int i = 0; i < h.length; i++) {
            total += h[i];
            if (h[i] > 0) {
                last = i;
            }
        }
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        long seen = 0;
        int step = Math.max(1, last / 500);
        for (int ms = 0; ms <= last; ms++) {
            seen += h[ms];
            if (ms % step == 0 || ms == last) {
                xs.add((double) ms);
                ys.add(total == 0 ? 0 : (double) seen / total);
            }
        }
        return line("latency (ms)", "share of delivered pieces", "latency CDF", xs, ys);
    }

    private static XYChart continuity(SwarmSimulation.Result r) {
        double[] c = r.continuityPerSecond();
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < c.length; i++) {
            if (!Double.isNaN(c[i])) {
                xs.add((double) i);
                ys.add(c[i]);
            }
        }
        return line("virtual time (s)", "delivered / (delivered + skipped)", "continuity", xs, ys);
    }

    /** One line chart; an empty series (a run too short to measure) is drawn as a single point at zero. */
    private static XYChart line(String xTitle, String yTitle, String name, List<Double> xs, List<Double> ys) {
        if (xs.isEmpty()) {
            xs.add(0.0);
            ys.add(0.0);
        }
        XYChart chart = new XYChartBuilder().width(900).height(360).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.NONE);
        return chart;
    }

    private static CategoryChart uploadPerClass(SwarmSimulation.Result r) {
        List<String> names = new ArrayList<>();
        List<Double> used = new ArrayList<>();
        for (Map.Entry<String, double[]> e : r.uploadUsedPerClass().entrySet()) {
            names.add(e.getKey() + " (" + (long) e.getValue()[1] + " viewers)");
            used.add(e.getValue()[0] * 100);
        }
        if (names.isEmpty()) {
            names.add("none");
            used.add(0.0);
        }
        CategoryChart chart = new CategoryChartBuilder().width(900).height(360).xAxisTitle("viewer class")
                .yAxisTitle("% of upload capacity used").build();
        // A fixed 0-100 axis: left to itself, XChart spans a single class's bar and labels it with every digit.
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(Math.max(100.0, used.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        chart.getStyler().setYAxisDecimalPattern("#0");
        chart.addSeries("upload used", names, used);
        return chart;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
