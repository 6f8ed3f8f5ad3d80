package dev.starling.examples;

import dev.starling.transport.sim.SwarmSimulation;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starling demo}: a broadcaster and N viewers streaming a synthetic 2 Mbit/s stream. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Streams a synthetic 2 Mbit/s stream from a broadcaster to N viewers and prints what they got.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--transport", defaultValue = "sim", description = "sim (tcp and udp: not yet available).")
    String transport;

    @Option(names = "--viewers", defaultValue = "50", description = "Viewers (default ${DEFAULT-VALUE}).")
    int viewers;

    @Option(names = "--duration-s", defaultValue = "30", description = "Seconds of stream (default ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--seed", defaultValue = "1", description = "Simulation seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--loss", defaultValue = "0", description = "Frame loss probability (default ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--json", description = "Print one JSON object with the figures on the last line.")
    boolean json;

    @Override
    public Integer call() {
        if (!transport.equals("sim")) {
            spec.commandLine().getErr().println("starling demo: transport '" + transport
                    + "' is not available yet; use --transport sim");
            return 2;
        }
        SwarmSimulation.Result r = new SwarmSimulation(SwarmSimulation.Config.builder().viewers(viewers)
                .durationS(durationS).seed(seed).loss(loss).latencyMs(10, 100).viewerUploadX(2.0).build())
                .run(json ? null : System.err);
        var out = spec.commandLine().getOut();
        Json j = Json.object().put("transport", transport).put("viewers", viewers).put("streamBytes", r.streamBytes())
                .put("serverUploadRatio", r.serverUploadRatio()).put("p2pShare", r.p2pShare())
                .put("continuity", r.continuity()).put("latencyMsP50", r.latencyMsP50())
                .put("latencyMsP99", r.latencyMsP99()).put("corruptBytes", r.corruptBytes());
        if (json) {
            out.println(j);
        } else {
            out.printf("viewers            %d%n", viewers);
            out.printf("stream bytes       %d%n", r.streamBytes());
            out.printf("serverUploadRatio  %.3f%n", r.serverUploadRatio());
            out.printf("p2pShare           %.4f%n", r.p2pShare());
            out.printf("continuity         %.5f%n", r.continuity());
            out.printf("latencyMsP50       %d%n", r.latencyMsP50());
            out.printf("latencyMsP99       %d%n", r.latencyMsP99());
            out.printf("corruptBytes       %d%n", r.corruptBytes());
        }
        out.flush();
        return 0;
    }
}
