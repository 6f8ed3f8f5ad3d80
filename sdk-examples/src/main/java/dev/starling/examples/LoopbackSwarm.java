package dev.starling.examples;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelKeys;
import dev.starling.api.ChannelLink;
import dev.starling.api.PeerExchangeConfig;
import dev.starling.api.Starling;
import dev.starling.api.Stats;
import dev.starling.api.StreamConfig;
import dev.starling.api.Viewer;
import dev.starling.api.spi.Transport;
import dev.starling.transport.LossyTransport;
import dev.starling.transport.discovery.TrackerDiscovery;
import dev.starling.transport.sim.SwarmSimulation;
import dev.starling.transport.tcp.TcpConfig;
import dev.starling.transport.tcp.TcpTransport;
import dev.starling.transport.udp.UdpConfig;
import dev.starling.transport.udp.UdpStats;
import dev.starling.transport.udp.UdpTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A broadcaster and N viewers in this process, each on its own loopback port, over a real transport, through the
 * public API only ({@link Starling#broadcaster}, {@link Starling#viewer}). The broadcaster publishes a synthetic
 * stream at the configured bitrate, one piece per publish; every piece carries its publish time and sequence
 * and is otherwise filled from a generator seeded by its sequence, so each viewer checks every byte it gets.
 *
 * <p>Continuity counts pieces published after the warm-up: the share of them each viewer played, summed over
 * viewers. Latency is publish to the viewer's data callback.
 */
final class LoopbackSwarm {
    /** Bytes at the start of each piece: publish time (ns, this process's clock) and sequence. */
    private static final int STAMP_BYTES = 16;

    /** What a run measured. */
    record Result(int viewers, long piecesPublished, long streamBytes, double serverUploadRatio, double p2pShare,
                  double continuity, long latencyMsP50, long latencyMsP99, long corruptBytes, long piecesMissed,
                  int viewersEnded, String link, long trackerRepliesAccepted, double cpuS, double wallS,
                  UdpStats udp) {
        /** @return CPU used by the whole process while streaming, per viewer, as a percentage of one core */
        double cpuPercentPerViewer() {
            return wallS <= 0 ? 0 : 100.0 * cpuS / wallS / viewers;
        }
    }

    /** Settings of a run. */
    record Settings(String transport, int viewers, int durationS, int warmupS, double loss, long seed,
                    StreamConfig stream, ChannelKeys keys, List<URI> trackers, long trackerRetryBaseMs) {
        Settings(String transport, int viewers, int durationS, int warmupS, double loss, long seed,
                 StreamConfig stream) {
            this(transport, viewers, durationS, warmupS, loss, seed, stream, null, List.of(), 15_000);
        }
    }

    private final Settings settings;
    private final PrintStream progress;

    private String linkText;
    private final List<TrackerDiscovery> trackers = new ArrayList<>();
    private final List<UdpTransport> udpTransports = new ArrayList<>();

    private Runnable halfway = () -> { };

    LoopbackSwarm(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs {@code task} on the publishing thread once half the stream is published (tests inject faults). */
    LoopbackSwarm onHalfway(Runnable task) {
        this.halfway = task;
        return this;
    }

    Result run() throws InterruptedException {
        if (!settings.transport().equals("tcp") && !settings.transport().equals("udp")) {
            throw new IllegalArgumentException("loopback swarm supports tcp and udp, not " + settings.transport());
        }
        StreamConfig stream = settings.stream();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        EventLoopGroup group = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("starling-demo", true));
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "starling-demo-publisher");
            t.setDaemon(true);
            return t;
        });
        List<Viewer> viewers = new ArrayList<>();
        List<Tally> tallies = new ArrayList<>();
        Broadcaster broadcaster = null;
        try {
            ChannelKeys keys = settings.keys() != null ? settings.keys() : ChannelKeys.generate();
            // Every node shares 127.0.0.0/24: lift the per-subnet limits of peer exchange, which would otherwise
            // keep each viewer to 4 candidates and 4 outbound connections in the whole swarm.
            var broadcasterBuilder = Starling.broadcaster(keys).config(stream).peerExchange(PeerExchangeConfig.forLoopback())
                    .listen(new InetSocketAddress(loopback, 0)).transport(transport(group, 0));
            for (URI t : settings.trackers()) {
                broadcasterBuilder.discovery(tracker(t, group));
            }
            broadcaster = broadcasterBuilder.start();
            for (TrackerDiscovery d : trackers) {
                // Viewers that announced before the broadcaster would be told of nobody.
                if (!d.announced().await(10, TimeUnit.SECONDS)) {
                    log(d + " did not answer the broadcaster within 10 s: " + d.stats().lastError());
                }
            }
            // With trackers, viewers get the bare channel id plus the trackers: they find the broadcaster and each
            // other only through the trackers and peer exchange.
            ChannelLink link = settings.trackers().isEmpty() ? broadcaster.link()
                    : ChannelLink.of(keys.channelId(), List.of(), settings.trackers());
            linkText = broadcaster.link().toText();
            log("channel link " + linkText);
            log("broadcaster at " + broadcaster.link().peers() + "; " + settings.viewers() + " viewers joining"
                    + (settings.trackers().isEmpty() ? "" : " through " + settings.trackers()));
            for (int i = 0; i < settings.viewers(); i++) {
                Tally tally = new Tally(settings.seed());
                var viewerBuilder = Starling.viewer(link).config(stream).listen(new InetSocketAddress(loopback, 0))
                        .peerExchange(PeerExchangeConfig.forLoopback()).transport(transport(group, i + 1));
                // The link's trackers (the named ones, or the broadcaster's built-in one), on the demo's shared
                // threads rather than one thread per viewer.
                for (URI t : link.trackers()) {
                    viewerBuilder.discovery(tracker(t, group));
                }
                Viewer v = viewerBuilder.start();
                v.onData(tally::onData).onEnd(tally.ended::countDown);
                viewers.add(v);
                tallies.add(tally);
            }

            long intervalNs = stream.pieceBytes() * 8L * 1_000_000_000L / stream.bitrateHintBps();
            long pieces = settings.durationS() * 1_000_000_000L / intervalNs;
            long rapEvery = Math.max(1, 1_000_000_000L / intervalNs); // a random access point each second
            long warmupPieces = settings.warmupS() * 1_000_000_000L / intervalNs;
            AtomicLong published = new AtomicLong();
            long cpuStartNs = processCpuNs();
            long wallStartNs = System.nanoTime();
            CountDownLatch done = new CountDownLatch(1);
            Broadcaster b = broadcaster;
            publisher.scheduleAtFixedRate(() -> {
                long seq = published.get();
                if (seq >= pieces) {
                    done.countDown();
                    return;
                }
                b.publish(piece(settings.seed(), seq, stream.pieceBytes(), System.nanoTime()), seq % rapEvery == 0);
                published.incrementAndGet();
                if (seq == pieces / 2) {
                    halfway.run();
                }
                if (seq > 0 && seq % (rapEvery * 10) == 0) {
                    log(String.format("%4d s published %d pieces", seq / rapEvery, seq));
                }
            }, 0, intervalNs, TimeUnit.NANOSECONDS);
            done.await();
            double cpuS = (processCpuNs() - cpuStartNs) / 1e9;
            double wallS = (System.nanoTime() - wallStartNs) / 1e9;
            publisher.shutdown();
            Stats serverStats = broadcaster.stats();
            broadcaster.close(); // end of stream; returns once it has left and the node is closed
            broadcaster = null;
            int ended = 0;
            for (Tally t : tallies) {
                if (t.ended.await(stream.playoutDelayMs() + 5_000, TimeUnit.MILLISECONDS)) {
                    ended++;
                }
            }

            long streamBytes = pieces * stream.pieceBytes();
            long fromPeers = 0;
            long fromServer = 0;
            long expected = 0;
            long played = 0;
            long corrupt = 0;
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < viewers.size(); i++) {
                Stats s = viewers.get(i).stats();
                fromPeers += s.bytesFromPeers();
                fromServer += s.bytesFromBroadcaster();
                Tally t = tallies.get(i);
                synchronized (t) {
                    expected += pieces - warmupPieces;
                    played += t.delivered.get((int) warmupPieces, (int) pieces).cardinality();
                    corrupt += t.corruptBytes;
                    latencies.addAll(t.latencyNs);
                }
            }
            if (progress != null) {
                StringBuilder sb = new StringBuilder("first piece played / pieces played, per viewer:");
                for (Tally t : tallies) {
                    synchronized (t) {
                        sb.append(' ').append(t.delivered.nextSetBit(0)).append('/').append(t.delivered.cardinality());
                    }
                }
                log(sb.toString());
            }
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Result(settings.viewers(), pieces, streamBytes,
                    (double) serverStats.bytesUploaded() / streamBytes,
                    fromPeers + fromServer == 0 ? 0 : (double) fromPeers / (fromPeers + fromServer),
                    expected == 0 ? 0 : (double) played / expected,
                    percentileMs(sorted, 0.50), percentileMs(sorted, 0.99), corrupt, expected - played, ended, linkText,
                    trackers.stream().mapToLong(d -> d.stats().repliesAccepted()).sum(), cpuS, wallS, udpStats());
        } finally {
            publisher.shutdownNow();
            if (broadcaster != null) {
                broadcaster.close();
            }
            for (Viewer v : viewers) {
                v.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private TrackerDiscovery tracker(URI uri, EventLoopGroup group) {
        TrackerDiscovery d = TrackerDiscovery.builder(uri).eventLoopGroup(group)
                .retryBaseMs(settings.trackerRetryBaseMs())
                .onError(message -> log("tracker error: " + message)).build();
        trackers.add(d);
        return d;
    }

    /** @return the udp transports' counters summed, or null over tcp */
    private UdpStats udpStats() {
        if (udpTransports.isEmpty()) {
            return null;
        }
        UdpStats sum = new UdpStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        for (UdpTransport t : udpTransports) {
            sum = sum.plus(t.stats());
        }
        return sum;
    }

    private static long processCpuNs() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private Transport transport(EventLoopGroup group, int index) {
        long lossSeed = settings.seed() * 1_000_003 + index;
        if (settings.transport().equals("udp")) {
            // Loss over udp is real datagram loss: each node drops that share of what it sends, handshakes and
            // acknowledgements included, and the transport must recover.
            UdpTransport t = new UdpTransport(UdpConfig.builder().injectedLoss(settings.loss(), lossSeed).build(), group);
            udpTransports.add(t);
            return t;
        }
        Transport t = new TcpTransport(TcpConfig.defaults(), group);
        return settings.loss() > 0 ? new LossyTransport(t, settings.loss(), lossSeed) : t;
    }

    private void log(String line) {
        if (progress != null) {
            progress.println(line);
        }
    }

    private static long percentileMs(long[] sortedNs, double q) {
        long ns = SwarmSimulation.percentileOf(sortedNs, q); // the simulated demo's definition
        return ns < 0 ? -1 : ns / 1_000_000;
    }

    /** The synthetic piece {@code seq}: its stamp, then bytes drawn from a generator seeded by seed and seq. */
    static byte[] piece(long seed, long seq, int pieceBytes, long publishNs) {
        byte[] b = body(seed, seq, pieceBytes);
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (publishNs >>> (56 - 8 * i));
            b[8 + i] = (byte) (seq >>> (56 - 8 * i));
        }
        return b;
    }

    private static byte[] body(long seed, long seq, int pieceBytes) {
        byte[] b = new byte[pieceBytes];
        new SplittableRandom(seed * 31 + seq).nextBytes(b);
        return b;
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    /** One viewer's record: what it played, when, and how many bytes differed from what was published. */
    static final class Tally {
        private final long seed;
        final BitSet delivered = new BitSet();
        final List<Long> latencyNs = new ArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        long corruptBytes;

        Tally(long seed) {
            this.seed = seed;
        }

        synchronized void onData(long seq, byte[] bytes) {
            long now = System.nanoTime();
            if (bytes.length < STAMP_BYTES || readLong(bytes, 8) != seq) {
                corruptBytes += bytes.length;
                return;
            }
            byte[] expected = body(seed, seq, bytes.length);
            long bad = 0;
            for (int i = STAMP_BYTES; i < bytes.length; i++) {
                if (bytes[i] != expected[i]) {
                    bad++;
                }
            }
            corruptBytes += bad;
            if (bad == 0 && seq < Integer.MAX_VALUE) {
                delivered.set((int) seq);
                latencyNs.add(now - readLong(bytes, 0));
            }
        }
    }
}
