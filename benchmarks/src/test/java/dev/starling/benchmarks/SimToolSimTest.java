package dev.starling.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The simulator tool at 1,000 viewers with its defaults (heterogeneous upload, 0.5% loss), seeded. */
class SimToolSimTest {
    private static final String SEED = System.getProperty("starling.sim.seed", "7");

    @TempDir
    Path dir;

    private String run(Path out, String... extra) throws Exception {
        String[] base = {"--viewers", "1000", "--duration-s", "30", "--seed", SEED, "--no-heap", "--out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CommandLine cli = new CommandLine(new SimCommand());
        StringWriter stdout = new StringWriter();
        cli.setOut(new PrintWriter(stdout));
        assertThat(cli.execute(args)).isZero();
        System.out.println("sim " + String.join(" ", args) + ": " + stdout.toString().strip());
        return Files.readString(out).strip();
    }

    private static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?[0-9.eE+-]+|null)").matcher(json);
        assertThat(m.find()).as("field %s in %s", field, json).isTrue();
        return m.group(1).equals("null") ? Double.NaN : Double.parseDouble(m.group(1));
    }

    /** The run's figures without those that describe the machine rather than the run. */
    private static String deterministicPart(String json) {
        return json.replaceAll(",\"wallS\":[^,}]*", "").replaceAll(",\"heapBytesPerViewer\":[^,}]*", "")
                .replaceAll(",\"threads\":[^,}]*", "").replaceAll(",\"gc\":\"[^\"]*\"", "");
    }

    @Test
    void aThousandViewersStreamIntactInOrderAndTheSameSeedGivesTheSameJsonOnAnyNumberOfThreads() throws Exception {
        String first = run(dir.resolve("a.json"), "--threads", "2");
        String note = "seed " + SEED + " (replay with -Dstarling.sim.seed=" + SEED + "): " + first;
        assertThat(number(first, "viewers")).isEqualTo(1000);
        assertThat(number(first, "orderViolations")).as("nothing delivered twice or out of order; " + note).isZero();
        assertThat(number(first, "corruptBytes")).as("every delivered byte is the broadcaster's; " + note).isZero();
        assertThat(number(first, "serverUploadRatio")).as(note).isLessThanOrEqualTo(2.0);
        assertThat(number(first, "continuity")).as(note).isGreaterThanOrEqualTo(0.99);
        assertThat(first).contains("\"strategy\":\"default\"", "\"startupMsP50\":", "\"startupMsP99\":",
                "\"continuityContributors\":", "\"continuityFreeRiders\":", "\"p2pShare\":", "\"events\":",
                "\"latencyMsP50\":", "\"latencyMsP99\":", "\"durationS\":30", "\"seed\":" + SEED,
                "\"bitrateBps\":2000000", "\"pieceBytes\":16384");

        assertThat(first).contains("\"threads\":2");
        // The broadcaster's copies by what they were for add up to its ratio (six decimals each in the JSON).
        double parts = number(first, "serverRootsRatio") + number(first, "serverHandOverRatio")
                + number(first, "serverReserveRatio") + number(first, "serverRepairRatio");
        assertThat(parts).as(note).isCloseTo(number(first, "serverUploadRatio"), within(1e-5));
        assertThat(number(first, "serverRootsRatio")).as("the roots carry the stream; " + note).isPositive();
        // Per-viewer continuity, worst first: ordered, and the overall figure lies between the worst and the best.
        double p01 = number(first, "viewerContinuityP01");
        double p10 = number(first, "viewerContinuityP10");
        double p50 = number(first, "viewerContinuityP50");
        assertThat(p01).as(note).isLessThanOrEqualTo(p10);
        assertThat(p10).as(note).isLessThanOrEqualTo(p50);
        assertThat(p50).as(note).isLessThanOrEqualTo(1.0).isGreaterThan(0.9);

        String second = run(dir.resolve("b.json"), "--threads", "1");
        assertThat(deterministicPart(second)).as("the same seed gives the same JSON, on two threads or one")
                .isEqualTo(deterministicPart(first));
    }

    @Test
    void theReportIsOneSelfContainedPageWithFourCharts() throws Exception {
        Path report = dir.resolve("report");
        CommandLine cli = new CommandLine(new SimCommand());
        cli.setOut(new PrintWriter(new StringWriter()));
        assertThat(cli.execute("--viewers", "30", "--duration-s", "10", "--no-heap", "--report", report.toString()))
                .isZero();
        String html = Files.readString(report.resolve("index.html"));
        assertThat(html.split("src=\"data:image/png;base64,", -1)).hasSize(5);
        assertThat(html).contains("Broadcaster upload over time", "Latency", "Continuity over time",
                "Upload used per viewer class").doesNotContain("http://", "https://");
    }

    @Test
    void theSubstreamCountReachesTheEngine() throws Exception {
        String two = small(dir.resolve("two.json"), "2");
        String four = small(dir.resolve("four.json"), "4");
        String note = "seed " + SEED + " (replay with -Dstarling.sim.seed=" + SEED + "): " + two;
        assertThat(two).contains("\"substreams\":2");
        assertThat(four).contains("\"substreams\":4");
        assertThat(number(two, "orderViolations")).as(note).isZero();
        assertThat(number(two, "corruptBytes")).as(note).isZero();
        assertThat(number(two, "continuity")).as(note).isGreaterThanOrEqualTo(0.99);
        assertThat(number(two, "events")).as("two trees are not four: " + note).isNotEqualTo(number(four, "events"));
    }

    private static String small(Path out, String substreams) throws Exception {
        CommandLine cli = new CommandLine(new SimCommand());
        cli.setOut(new PrintWriter(new StringWriter()));
        assertThat(cli.execute("--viewers", "100", "--duration-s", "15", "--seed", SEED, "--no-heap",
                "--substreams", substreams, "--out", out.toString())).isZero();
        return Files.readString(out).strip();
    }

    @Test
    void badOptionsAreRefusedWithAClearMessage() {
        CommandLine cli = new CommandLine(new SimCommand());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("--viewers", "10", "--upload-dist", "lumpy")).isNotZero();
        assertThat(err.toString()).contains("heterogeneous or uniform:X");
        assertThat(cli.execute("--viewers", "10", "--strategy", "magic")).isNotZero();
        assertThat(err.toString()).contains("default, client-server or pull-mesh");
        assertThat(cli.execute("--viewers", "10", "--substreams", "0")).isNotZero();
        assertThat(err.toString()).contains("substreams must be 1..32");
    }
}
