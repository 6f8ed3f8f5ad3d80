package dev.starling.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs {@code sim} in a child JVM with the parallel garbage collector when the JVM it was started in uses another
 * one (on a server-class machine, G1 by default) and the run fits that collector comfortably.
 *
 * <p>Why: the simulated engines keep millions of young objects (pieces, events, frames) referenced from old
 * arrays. G1's write barrier and its concurrent refinement thread pay for every such store, and on two cores the
 * refinement thread takes a third of the second core from the simulator's lanes. The parallel collector's card
 * marking is a single store. The same 10,000-viewer run took 1.3-1.4x less wall time with it (benchmarks/RESULTS.md,
 * "The simulator under the parallel collector"), with identical figures: results never depend on the collector.
 *
 * <p>The parallel collector compacts the whole old generation when it fills, so the child is started only when the
 * run's live heap is at most half of what the JVM may use; bigger runs stay on G1, which copes better near the
 * limit. Nor is a JVM relaunched that the user configured with a collector, an agent, a debugger or a flight
 * recording of their own: they chose this JVM on purpose.
 *
 * <p>Where the kernel hands out transparent huge pages on request ({@code madvise}, as on this project's CI
 * machine), the child also asks for them for its heap: every simulator event touches a different node's data
 * spread over gigabytes, and with 4 KiB pages most of those touches also miss the address translation cache.
 * Alternated runs of the same jar took about a tenth less wall time at 10,000 viewers and a seventh less at 1,000
 * (RESULTS.md, "Huge pages for the simulator's heap"), with identical figures.
 */
final class SimLauncher {
    /** Set in the child, so it never relaunches itself. */
    static final String RELAUNCHED_PROPERTY = "starling.sim.relaunched";
    static final String PARALLEL_GC = "-XX:+UseParallelGC";
    static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";
    /** Where Linux says whether transparent huge pages are used always, on request (madvise) or never. */
    static final Path THP_SETTING = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private SimLauncher() {
    }

    /**
     * The command that reruns {@code sim} in a child JVM with the parallel collector, or null to run here.
     *
     * @param jvmArgs       this JVM's own options (its input arguments)
     * @param collectors    the names of this JVM's garbage collectors
     * @param javaHome      this JVM's home directory
     * @param classPath     this JVM's class path
     * @param simArgs       the {@code sim} arguments, passed on unchanged
     * @param viewers       viewers the run simulates
     * @param maxHeapBytes  heap this JVM may use; the child gets the same options, so the same heap
     * @param thpSetting    the kernel's transparent huge page setting (e.g. "always [madvise] never"), or null
     */
    static List<String> relaunchCommand(List<String> jvmArgs, List<String> collectors, String javaHome,
                                        String classPath, List<String> simArgs, int viewers, long maxHeapBytes,
                                        String thpSetting) {
        if (collectors.stream().anyMatch(name -> name.startsWith("PS "))) {
            return null; // already the parallel collector
        }
        for (String a : jvmArgs) {
            if (chosenOnPurpose(a)) {
                return null;
            }
        }
        long liveBytes = viewers * SimCommand.HEAP_BYTES_PER_VIEWER + (1L << 30);
        if (liveBytes > maxHeapBytes / 2) {
            return null;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(javaHome, "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add(PARALLEL_GC);
        // With "always" the kernel gives huge pages unasked; with "never" the option would only print a warning.
        boolean pagesChosen = jvmArgs.stream().anyMatch(a -> a.contains("TransparentHugePages")
                || a.contains("LargePages"));
        if (thpSetting != null && thpSetting.contains("[madvise]") && !pagesChosen) {
            cmd.add(HUGE_PAGES);
        }
        cmd.add("-D" + RELAUNCHED_PROPERTY + "=true");
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(BenchmarksMain.class.getName());
        cmd.add("sim");
        cmd.addAll(simArgs);
        return cmd;
    }

    /** Whether a JVM option shows that the user set up this JVM on purpose: a collector, an agent, a debugger. */
    private static boolean chosenOnPurpose(String jvmArg) {
        String a = jvmArg.toLowerCase(Locale.ROOT);
        return (a.startsWith("-xx:+use") || a.startsWith("-xx:-use")) && a.endsWith("gc")
                || a.startsWith("-xx:startflightrecording") || a.startsWith("-agentlib") || a.startsWith("-agentpath")
                || a.startsWith("-javaagent") || a.startsWith("-xrunjdwp") || a.startsWith("-xdebug")
                || a.startsWith("-d" + RELAUNCHED_PROPERTY);
    }

    /** @return the kernel's transparent huge page setting, or null where there is none (not Linux) */
    static String thpSetting() {
        try {
            return java.nio.file.Files.readString(THP_SETTING).trim();
        } catch (java.io.IOException | SecurityException e) {
            return null;
        }
    }

    /** @return the names of this JVM's garbage collectors, e.g. "G1 Young Generation" */
    static List<String> collectors() {
        List<String> names = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            names.add(gc.getName());
        }
        return names;
    }

    /**
     * Reruns {@code sim} in a child JVM if {@link #relaunchCommand} says so.
     *
     * @return the child's exit code, or -1 if the run belongs in this JVM
     */
    static int relaunchIfWorthIt(List<String> simArgs, int viewers) throws InterruptedException {
        if (Boolean.getBoolean(RELAUNCHED_PROPERTY)) {
            return -1;
        }
        List<String> collectors = collectors();
        List<String> cmd = relaunchCommand(ManagementFactory.getRuntimeMXBean().getInputArguments(), collectors,
                System.getProperty("java.home"), System.getProperty("java.class.path"), simArgs, viewers,
                Runtime.getRuntime().maxMemory(), thpSetting());
        if (cmd == null) {
            return -1;
        }
        String flags = PARALLEL_GC + (cmd.contains(HUGE_PAGES) ? " " + HUGE_PAGES : "");
        System.err.println("sim: running in a child JVM with " + flags + " (faster here than "
                + String.join(" / ", collectors) + "; --same-jvm to run in this one)");
        Process child;
        try {
            child = new ProcessBuilder(cmd).inheritIO().start();
        } catch (java.io.IOException e) {
            System.err.println("sim: could not start a child JVM (" + e.getMessage() + "); running in this one");
            return -1;
        }
        Thread reaper = new Thread(child::destroy, "sim-child-reaper");
        Runtime.getRuntime().addShutdownHook(reaper); // killed ourselves: take the child with us
        int code = child.waitFor();
        Runtime.getRuntime().removeShutdownHook(reaper);
        return code;
    }
}
