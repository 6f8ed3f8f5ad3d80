package dev.starling.benchmarks;

import dev.starling.core.engine.Strategy;
import dev.starling.transport.sim.SwarmSimulation;
import dev.starling.transport.sim.UploadDistribution;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sim}: runs the shipping engine in the simulated network and prints what it measured. */
@Command(name = "sim", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a seeded swarm simulation of the shipping engine in virtual time.",
            "Progress goes to stderr, a summary to stdout; --out writes the figures as one JSON object."})
public final class SimCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--viewers", defaultValue = "1000", description = "Viewers present at a time (default ${DEFAULT-VALUE}).")
    int viewers;

    @Option(names = "--duration-s", defaultValue = "60", description = "Seconds of stream, virtual (default ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of every random draw (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--bitrate-bps", defaultValue = "2000000", description = "Stream bitrate (default ${DEFAULT-VALUE}).")
    long bitrateBps;

    @Option(names = "--piece-bytes", defaultValue = "16384", description = "Piece size (default ${DEFAULT-VALUE}).")
    int pieceBytes;

    @Option(names = "--playout-delay-ms", defaultValue = "3000", description = "Playout delay (default ${DEFAULT-VALUE}).")
    long playoutDelayMs;

    @Option(names = "--upload-dist", defaultValue = "heterogeneous",
            description = "heterogeneous (20%% of viewers upload 0.5x the bitrate, 50%% 1.2x, 30%% 3x) or uniform:X (default ${DEFAULT-VALUE}).")
    String uploadDist;

    @Option(names = "--latency-ms", defaultValue = "5-75", description = "One-way latency range LO-HI, uniform (default ${DEFAULT-VALUE}).")
    String latencyMs;

    @Option(names = "--loss", defaultValue = "0.005", description = "Probability a frame is lost (default ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--churn-per-min", defaultValue = "0", description = "Share of viewers that leave each minute, replaced by newcomers (default ${DEFAULT-VALUE}).")
    double churnPerMin;

    @Option(names = "--join", defaultValue = "all", description = "all, flash:T (everyone joins within T seconds) or steady (default ${DEFAULT-VALUE}).")
    String join;

    @Option(names = "--free-riders", defaultValue = "0", description = "Share of viewers that upload nothing (default ${DEFAULT-VALUE}).")
    double freeRiders;

    @Option(names = "--liars", defaultValue = "0",
            description = "Viewers that declare 4x the bitrate as upload and forward nothing; left out of continuity (default ${DEFAULT-VALUE}).")
    int liars;

    @Option(names = "--server-upload-bps", defaultValue = "0", description = "Broadcaster upload cap; 0: unlimited (default).")
    long serverUploadBps;

    @Option(names = "--strategy", defaultValue = "default", description = "default, client-server or pull-mesh (default ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--substreams", defaultValue = "4",
            description = "Push trees the stream is dealt into, round-robin by piece, 1-32 (default ${DEFAULT-VALUE}).")
    int substreams;

    @Option(names = "--out", description = "Write the figures as one JSON object to this file.")
    Path out;

    @Option(names = "--report", description = "Write an HTML page with charts to this directory.")
    Path report;

    @Option(names = "--threads", description = "Threads to run the simulated nodes on; the results do not depend on it "
            + "(default: the number of processors).")
    Integer threads;

    @Option(names = "--no-heap", description = "Skip the heap measurement (two full GCs and a run without viewers).")
    boolean noHeap;

    @Option(names = "--same-jvm", description = "Run in this JVM as started: do not rerun in a child JVM with the "
            + "parallel garbage collector (which the command line does, when this JVM has another collector and no "
            + "options that chose it, and the run fits half its heap; the results are the same either way).")
    boolean sameJvm;

    /** Set from the command line only: tests and other embedders run the simulation where they call it. */
    private List<String> relaunchArgs;

    /** Runs {@code sim} from the command line, in a child JVM with the parallel collector when worth it. */
    static int run(String[] args) {
        SimCommand cmd = new SimCommand();
        cmd.relaunchArgs = List.of(args);
        return new CommandLine(cmd).execute(args);
    }

    /** @return the configuration the options describe */
    SwarmSimulation.Config config() {
        String[] lohi = latencyMs.split("-");
        if (lohi.length != 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--latency-ms must be LO-HI, e.g. 5-75");
        }
        try {
            return SwarmSimulation.Config.builder()
                    .viewers(viewers).durationS(durationS).seed(seed).bitrateBps(bitrateBps).pieceBytes(pieceBytes)
                    .playoutDelayMs(playoutDelayMs).uploadDist(UploadDistribution.parse(uploadDist))
                    .latencyMs(Double.parseDouble(lohi[0]), Double.parseDouble(lohi[1])).loss(loss)
                    .churnPerMin(churnPerMin).join(join).freeRiders(freeRiders).liars(liars).serverUploadBps(serverUploadBps)
                    .strategy(Strategy.fromCliName(strategy)).substreams(substreams)
                    .threads(threads != null ? threads : Runtime.getRuntime().availableProcessors()).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Heap a simulated viewer keeps live, measured, rounded up: `heapBytesPerViewer` reads 135,457 at 1,000 viewers
     * and 119,662 at 10,000 since the swarm shares each piece's instance and header (benchmarks/RESULTS.md; it was
     * 193,462-196,483 from 1,000 to 100,000 viewers before).
     */
    static final long HEAP_BYTES_PER_VIEWER = 150_000;
    private static final long HEAP_HEADROOM_BYTES = 1L << 30;

    /**
     * A warning when the run will likely not fit this JVM's heap: it would fail with an OutOfMemoryError, or slow
     * to a crawl collecting garbage.
     *
     * @return the warning, or null when the heap should do
     */
    static String heapWarning(int viewers, long maxHeapBytes) {
        long neededBytes = viewers * HEAP_BYTES_PER_VIEWER + HEAP_HEADROOM_BYTES;
        if (maxHeapBytes >= neededBytes) {
            return null;
        }
        long gib = (neededBytes + (1L << 30) - 1) >> 30;
        return String.format(Locale.ROOT, "sim: warning: %d viewers need about %d GiB of heap (about %d KB a viewer) "
                + "and this JVM may use %.1f GiB; run it as java -Xmx%dg -jar ..., with nothing else big beside it",
                viewers, gib, HEAP_BYTES_PER_VIEWER / 1000, maxHeapBytes / (double) (1L << 30), gib);
    }

    @Override
    public Integer call() throws Exception {
        SwarmSimulation.Config cfg = config();
        if (relaunchArgs != null && !sameJvm) {
            int code = SimLauncher.relaunchIfWorthIt(relaunchArgs, cfg.viewers());
            if (code >= 0) {
                return code;
            }
        }
        String heapWarning = heapWarning(cfg.viewers(), Runtime.getRuntime().maxMemory());
        if (heapWarning != null) {
            System.err.println(heapWarning);
        }
        long heapPerViewer = -1;
        SwarmSimulation.Result result;
        if (noHeap || cfg.viewers() == 0) {
            result = new SwarmSimulation(cfg).run(System.err);
        } else {
            // heapBytesPerViewer: live heap after a full GC at the end, minus that of the same run without viewers.
            SwarmSimulation empty = new SwarmSimulation(copyWithViewers(cfg, 0));
            empty.run(null);
            long baseline = liveHeapBytes();
            empty = null;
            SwarmSimulation sim = new SwarmSimulation(cfg);
            result = sim.run(System.err);
            long full = liveHeapBytes();
            heapPerViewer = Math.max(0, (full - baseline) / cfg.viewers());
            reachabilityFence(sim);
        }
        String json = SimJson.of(result, heapPerViewer);
        spec.commandLine().getOut().println(result.summary() + String.format(Locale.ROOT, " heapBytesPerViewer=%d",
                heapPerViewer));
        spec.commandLine().getOut().flush();
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, json + "\n", StandardCharsets.UTF_8);
        }
        if (report != null) {
            Path page = SimReport.write(report, result, json);
            System.err.println("sim: report written to " + page);
        }
        return 0;
    }

    private static SwarmSimulation.Config copyWithViewers(SwarmSimulation.Config c, int viewers) {
        return SwarmSimulation.Config.builder().viewers(viewers).durationS(c.durationS()).seed(c.seed())
                .bitrateBps(c.bitrateBps()).pieceBytes(c.pieceBytes()).playoutDelayMs(c.playoutDelayMs())
                .uploadDist(c.uploadDist()).latencyMs(c.latencyLoMs(), c.latencyHiMs()).loss(c.loss())
                .churnPerMin(c.churnPerMin()).join(c.join()).freeRiders(c.freeRiders()).liars(c.liars())
                .serverUploadBps(c.serverUploadBps()).strategy(c.strategy()).substreams(c.substreams())
                .threads(c.threads()).build();
    }

    private static long liveHeapBytes() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void reachabilityFence(Object o) {
        java.lang.ref.Reference.reachabilityFence(o);
    }
}
