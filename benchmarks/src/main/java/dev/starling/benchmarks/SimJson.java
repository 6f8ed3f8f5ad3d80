package dev.starling.benchmarks;

import dev.starling.transport.sim.SwarmSimulation;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The {@code sim --out} JSON: one flat object; field names are a public interface scripts rely on. */
final class SimJson {
    private SimJson() {
    }

    static String of(SwarmSimulation.Result r, long heapBytesPerViewer) {
        SwarmSimulation.Config c = r.config();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("viewers", c.viewers());
        f.put("durationS", c.durationS());
        f.put("seed", c.seed());
        f.put("bitrateBps", c.bitrateBps());
        f.put("pieceBytes", c.pieceBytes());
        f.put("strategy", c.strategy().cliName());
        f.put("substreams", c.substreams());
        f.put("threads", c.threads());
        f.put("uploadDist", c.uploadDist().toString());
        f.put("latencyMs", fmt(c.latencyLoMs()) + "-" + fmt(c.latencyHiMs()));
        f.put("loss", c.loss());
        f.put("churnPerMin", c.churnPerMin());
        f.put("join", c.join());
        f.put("freeRiders", c.freeRiders());
        f.put("liars", c.liars());
        f.put("serverUploadBps", c.serverUploadBps());
        f.put("serverUploadRatio", r.serverUploadRatio());
        f.put("serverRootsRatio", r.serverRootsRatio());
        f.put("serverHandOverRatio", r.serverHandOverRatio());
        f.put("serverReserveRatio", r.serverReserveRatio());
        f.put("serverRepairRatio", r.serverRepairRatio());
        f.put("p2pShare", r.p2pShare());
        f.put("continuity", r.continuity());
        f.put("continuityContributors", r.continuityContributors());
        f.put("continuityFreeRiders", r.continuityFreeRiders());
        f.put("viewerContinuityP01", r.viewerContinuityQuantile(0.01));
        f.put("viewerContinuityP10", r.viewerContinuityQuantile(0.10));
        f.put("viewerContinuityP50", r.viewerContinuityQuantile(0.50));
        f.put("latencyMsP50", r.latencyMsP50());
        f.put("latencyMsP99", r.latencyMsP99());
        f.put("startupMsP50", r.startupMsP50());
        f.put("startupMsP99", r.startupMsP99());
        f.put("corruptBytes", r.corruptBytes());
        f.put("orderViolations", r.orderViolations());
        f.put("events", r.events());
        f.put("wallS", r.wallS());
        f.put("heapBytesPerViewer", heapBytesPerViewer);
        f.put("gc", String.join(", ", SimLauncher.collectors())); // the JVM's collectors: they set wallS, not results
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : f.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(e.getKey()).append("\":").append(value(e.getValue()));
        }
        return sb.append('}').toString();
    }

    private static String value(Object v) {
        if (v instanceof String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? fmt(d) : "null";
        }
        return String.valueOf(v);
    }

    private static String fmt(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        String s = String.format(Locale.ROOT, "%.6f", d);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
