package dev.starling.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sim} from the command line reruns itself under the parallel collector when this JVM has another one and
 * nobody chose it, and only then; the figures do not depend on it.
 */
class SimLauncherTest {
    private static final long GIB = 1L << 30;
    private static final List<String> G1 = List.of("G1 Young Generation", "G1 Old Generation");
    private static final List<String> PARALLEL = List.of("PS Scavenge", "PS MarkSweep");

    @TempDir
    Path dir;

    private static List<String> command(List<String> jvmArgs, List<String> collectors, int viewers, long maxHeap) {
        return command(jvmArgs, collectors, viewers, maxHeap, "always madvise [never]");
    }

    private static List<String> command(List<String> jvmArgs, List<String> collectors, int viewers, long maxHeap,
                                        String thpSetting) {
        return SimLauncher.relaunchCommand(jvmArgs, collectors, "/opt/jdk", "benchmarks.jar",
                List.of("--viewers", String.valueOf(viewers)), viewers, maxHeap, thpSetting);
    }

    @Test
    void aPlainJvmOnG1IsRerunWithTheSameOptionsAndArgumentsUnderTheParallelCollector() {
        List<String> cmd = command(List.of("-Xmx6g", "-Dfoo=bar"), G1, 10_000, 6 * GIB);
        assertThat(cmd).containsExactly(Path.of("/opt/jdk", "bin", "java").toString(), "-Xmx6g", "-Dfoo=bar",
                "-XX:+UseParallelGC", "-Dstarling.sim.relaunched=true", "-cp", "benchmarks.jar",
                BenchmarksMain.class.getName(), "sim", "--viewers", "10000");
    }

    @Test
    void theChildAsksForHugePagesOnlyWhereTheKernelGivesThemOnRequestAndNobodyChosePages() {
        List<String> onRequest = command(List.of("-Xmx6g"), G1, 10_000, 6 * GIB, "always [madvise] never");
        assertThat(onRequest).containsSequence("-XX:+UseParallelGC", "-XX:+UseTransparentHugePages",
                "-Dstarling.sim.relaunched=true");
        for (String setting : new String[] {"[always] madvise never", "always madvise [never]", null}) {
            assertThat(command(List.of("-Xmx6g"), G1, 10_000, 6 * GIB, setting)).as(setting)
                    .isNotNull().doesNotContain("-XX:+UseTransparentHugePages");
        }
        assertThat(command(List.of("-XX:-UseTransparentHugePages"), G1, 10_000, 6 * GIB, "always [madvise] never"))
                .containsOnlyOnce("-XX:-UseTransparentHugePages").doesNotContain("-XX:+UseTransparentHugePages");
    }

    @Test
    void aJvmSetUpOnPurposeOrAlreadyParallelRunsHere() {
        assertThat(command(List.of(), PARALLEL, 1_000, 6 * GIB)).isNull();
        for (String chosen : List.of("-XX:+UseG1GC", "-XX:+UseZGC", "-XX:StartFlightRecording=filename=a.jfr",
                "-agentlib:jdwp=transport=dt_socket", "-javaagent:x.jar", "-Dstarling.sim.relaunched=true")) {
            assertThat(command(List.of("-Xmx6g", chosen), G1, 1_000, 6 * GIB)).as(chosen).isNull();
        }
    }

    @Test
    void aRunThatNeedsMoreThanHalfTheHeapStaysOnG1() {
        // 100,000 viewers count as about 16 GB live: the parallel collector would compact it all whenever it filled.
        assertThat(command(List.of("-Xmx21g"), G1, 100_000, 21 * GIB)).isNull();
        assertThat(command(List.of("-Xmx48g"), G1, 100_000, 48 * GIB)).isNotNull();
    }

    @Test
    void theCommandLineRunsInAChildJvmWithTheSameFiguresAsInThisOne() throws Exception {
        Path child = dir.resolve("child.json");
        Path here = dir.resolve("here.json");
        String[] args = {"--viewers", "20", "--duration-s", "4", "--no-heap", "--threads", "1"};
        assertThat(SimCommand.run(concat(args, "--out", child.toString()))).isZero();
        assertThat(SimCommand.run(concat(args, "--out", here.toString(), "--same-jvm"))).isZero();
        String childJson = Files.readString(child);
        String hereJson = Files.readString(here);
        assertThat(childJson).as("the run, wherever it ran, used the parallel collector").contains("\"gc\":\"PS ");
        assertThat(hereJson).contains("\"gc\":\"" + String.join(", ", SimLauncher.collectors()) + "\"");
        assertThat(figures(childJson)).isEqualTo(figures(hereJson)).contains("\"viewers\":20", "\"events\":");
    }

    private static String figures(String json) {
        return json.replaceAll(",\"wallS\":[^,}]*", "").replaceAll(",\"gc\":\"[^\"]*\"", "");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
