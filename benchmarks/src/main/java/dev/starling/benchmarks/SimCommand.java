package dev.starling.benchmarks;

import dev.starling.transport.sim.SwarmSimulation;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sim}: runs the real engine in the simulated network and prints what it measured. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Runs a seeded swarm simulation of the shipping engine in virtual time.")
final class SimCommand implements Callable<Integer> {
    @Option(names = "--viewers", defaultValue = "100", description = "Viewers (default ${DEFAULT-VALUE}).")
    int viewers;

    @Option(names = "--duration-s", defaultValue = "60", description = "Virtual seconds (default ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--bitrate-bps", defaultValue = "2000000", description = "Stream bitrate (default ${DEFAULT-VALUE}).")
    long bitrateBps;

    @Option(names = "--piece-bytes", defaultValue = "16384", description = "Piece size (default ${DEFAULT-VALUE}).")
    int pieceBytes;

    @Option(names = "--playout-delay-ms", defaultValue = "3000", description = "Playout delay (default ${DEFAULT-VALUE}).")
    long playoutDelayMs;

    @Option(names = "--latency-ms", defaultValue = "5-75", description = "One-way latency range LO-HI (default ${DEFAULT-VALUE}).")
    String latencyMs;

    @Option(names = "--loss", defaultValue = "0.005", description = "Frame loss probability (default ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--upload-x", defaultValue = "2.0", description = "Viewer upload as a multiple of the bitrate (default ${DEFAULT-VALUE}).")
    double uploadX;

    static int run(String[] args) {
        return new CommandLine(new SimCommand()).execute(args);
    }

    @Override
    public Integer call() {
        String[] lohi = latencyMs.split("-");
        SwarmSimulation.Config cfg = SwarmSimulation.Config.builder()
                .viewers(viewers).durationS(durationS).seed(seed).bitrateBps(bitrateBps).pieceBytes(pieceBytes)
                .playoutDelayMs(playoutDelayMs).latencyMs(Double.parseDouble(lohi[0]), Double.parseDouble(lohi[1]))
                .loss(loss).viewerUploadX(uploadX).build();
        SwarmSimulation.Result r = new SwarmSimulation(cfg).run(System.err);
        System.out.println(r.summary());
        return 0;
    }
}
