package dev.starling.examples;

import dev.starling.api.StreamConfig;
import dev.starling.transport.sim.SwarmSimulation;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starling demo}: a broadcaster and N viewers streaming a synthetic 2 Mbit/s stream. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Streams a synthetic 2 Mbit/s stream from a broadcaster to N viewers and prints what they got.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--transport", defaultValue = "sim",
            description = "sim (a simulated network in virtual time), tcp or udp (real sockets on loopback, one port per node); default ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = "--viewers", defaultValue = "50", description = "Viewers (default ${DEFAULT-VALUE}).")
    int viewers;

    @Option(names = "--duration-s", defaultValue = "30", description = "Seconds of stream (default ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulation, the loss and the stream content (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--loss", defaultValue = "0",
            description = "Probability that a frame is lost (default ${DEFAULT-VALUE}); over tcp, received frames are dropped at random; over udp, each node drops that share of the datagrams it sends, and the transport recovers.")
    double loss;

    @Option(names = "--key", paramLabel = "FILE",
            description = "tcp or udp: the broadcaster's key file (from keygen), so its info-hash can be whitelisted on a tracker; default: a new key.")
    java.nio.file.Path keyFile;

    @Option(names = "--tracker", paramLabel = "URL",
            description = "tcp or udp: a tracker, udp://host:port/announce or http://host:port/announce (repeatable). Viewers then find the broadcaster and each other only through the trackers and peer exchange.")
    java.util.List<java.net.URI> trackers = new java.util.ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object with the figures on the last line.")
    boolean json;

    @Option(names = "--warmup-s", defaultValue = "3",
            description = "tcp or udp: pieces published in the first seconds are not counted in continuity (default ${DEFAULT-VALUE}).")
    int warmupS;

    @Override
    public Integer call() throws InterruptedException {
        var err = spec.commandLine().getErr();
        if (viewers < 1 || durationS < 1) {
            err.println("starling demo: --viewers and --duration-s must be at least 1");
            return 2;
        }
        if (!(loss >= 0 && loss < 1)) {
            err.println("starling demo: --loss must be in [0, 1), got " + loss);
            return 2;
        }
        dev.starling.api.ChannelKeys keys = null;
        if (keyFile != null) {
            try {
                keys = dev.starling.api.ChannelKeys.load(keyFile);
            } catch (java.io.IOException | IllegalArgumentException e) {
                err.println("starling demo: cannot read the key file " + keyFile + ": " + e.getMessage());
                return 2;
            }
        }
        for (java.net.URI t : trackers) {
            try {
                dev.starling.transport.discovery.TrackerDiscovery.builder(t);
            } catch (IllegalArgumentException e) {
                err.println("starling demo: " + e.getMessage());
                return 2;
            }
        }
        if ((keys != null || !trackers.isEmpty()) && transport.equals("sim")) {
            err.println("starling demo: --key and --tracker need --transport tcp or udp");
            return 2;
        }
        this.keys = keys;
        Json j;
        switch (transport) {
            case "sim" -> j = simulated();
            case "tcp", "udp" -> j = loopback();
            default -> {
                err.println("starling demo: unknown transport '" + transport + "'; use sim, tcp or udp");
                return 2;
            }
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(j);
        } else {
            out.printf("transport          %s%n", transport);
            out.printf("viewers            %d%n", viewers);
            out.printf("stream bytes       %d%n", j.getLong("streamBytes"));
            out.printf("serverUploadRatio  %.3f%n", j.getDouble("serverUploadRatio"));
            out.printf("p2pShare           %.4f%n", j.getDouble("p2pShare"));
            out.printf("continuity         %.5f%n", j.getDouble("continuity"));
            out.printf("latencyMsP50       %d%n", j.getLong("latencyMsP50"));
            out.printf("latencyMsP99       %d%n", j.getLong("latencyMsP99"));
            out.printf("corruptBytes       %d%n", j.getLong("corruptBytes"));
        }
        out.flush();
        return 0;
    }

    private Json simulated() {
        SwarmSimulation.Result r = new SwarmSimulation(SwarmSimulation.Config.builder().viewers(viewers)
                .durationS(durationS).seed(seed).loss(loss).latencyMs(10, 100).viewerUploadX(2.0).build())
                .run(json ? null : System.err);
        return Json.object().put("transport", transport).put("viewers", viewers).put("streamBytes", r.streamBytes())
                .put("serverUploadRatio", r.serverUploadRatio()).put("p2pShare", r.p2pShare())
                .put("continuity", r.continuity()).put("latencyMsP50", r.latencyMsP50())
                .put("latencyMsP99", r.latencyMsP99()).put("corruptBytes", r.corruptBytes());
    }

    private dev.starling.api.ChannelKeys keys;

    private Json loopback() throws InterruptedException {
        LoopbackSwarm.Result r = new LoopbackSwarm(new LoopbackSwarm.Settings(transport, viewers, durationS,
                Math.min(warmupS, durationS - 1), loss, seed, StreamConfig.defaults(), keys, List.copyOf(trackers), 15_000),
                json ? null : System.err).run();
        Json j = Json.object().put("transport", transport).put("viewers", viewers).put("streamBytes", r.streamBytes())
                .put("serverUploadRatio", r.serverUploadRatio()).put("p2pShare", r.p2pShare())
                .put("continuity", r.continuity()).put("latencyMsP50", r.latencyMsP50())
                .put("latencyMsP99", r.latencyMsP99()).put("corruptBytes", r.corruptBytes())
                .put("piecesMissed", r.piecesMissed()).put("viewersEnded", r.viewersEnded())
                .put("warmupS", Math.min(warmupS, durationS - 1)).put("loss", loss)
                .put("trackers", trackers.size()).put("link", r.link())
                .put("trackerRepliesAccepted", r.trackerRepliesAccepted())
                .put("cpuS", r.cpuS()).put("wallS", r.wallS()).put("cpuPercentPerViewer", r.cpuPercentPerViewer());
        if (r.udp() != null) {
            j.put("retransmissions", r.udp().retransmissions())
                    .put("retransmissionsAfterDeadline", r.udp().retransmissionsAfterDeadline())
                    .put("framesAbandoned", r.udp().framesAbandoned()).put("packetsLost", r.udp().packetsLost())
                    .put("probeTimeouts", r.udp().probeTimeouts())
                    .put("datagramsDroppedByInjectedLoss", r.udp().datagramsDroppedByInjectedLoss());
        }
        return j;
    }
}
