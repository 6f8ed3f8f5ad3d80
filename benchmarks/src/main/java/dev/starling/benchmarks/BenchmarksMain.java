package dev.starling.benchmarks;

import java.util.Arrays;

/**
 * {@code java -jar benchmarks/target/benchmarks.jar sim|jmh [options]}: the swarm simulator, or JMH's own main
 * with the remaining arguments.
 */
public final class BenchmarksMain {
    private BenchmarksMain() {
    }

    /** Dispatches to a subcommand. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println("usage: benchmarks.jar sim [options]   run the swarm simulator (sim --help)");
            System.out.println("       benchmarks.jar jmh [JMH options]  run the JMH benchmarks");
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "sim" -> System.exit(SimCommand.run(rest));
            default -> {
                System.err.println("unknown subcommand '" + args[0] + "': use sim or jmh");
                System.exit(2);
            }
        }
    }
}
