package dev.starling.transport.sim;

import dev.starling.api.ChannelKeys;
import dev.starling.api.Gap;
import dev.starling.api.StreamConfig;
import dev.starling.api.spi.Payload;
import dev.starling.core.engine.EngineConfig;
import dev.starling.core.engine.PeerEngine;
import dev.starling.api.Viewer;
import dev.starling.core.node.Node;
import dev.starling.core.node.NodeViewer;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A broadcaster and N viewers running the shipping {@link PeerEngine} through {@link Node} on a
 * {@link SimNetwork}, in virtual time, measured from outside: what each viewer delivered, in what order, how
 * late, and whether every byte is the broadcaster's. Same config and seed, same result.
 */
public final class SwarmSimulation {

    /** What to simulate. Build with {@link #builder()}. */
    public record Config(int viewers, int durationS, long seed, long bitrateBps, int pieceBytes, long playoutDelayMs,
                         double latencyLoMs, double latencyHiMs, double loss, double viewerUploadX,
                         int forgers, int slowViewerIndex, double slowAtS, double slowForS,
                         double restartAtS, double restartGapS, int rapEveryPieces, int substreams) {
        /** @return a builder with the defaults */
        public static Builder builder() {
            return new Builder();
        }

        /** Builds a config. */
        public static final class Builder {
            private int viewers = 100;
            private int durationS = 60;
            private long seed = 1;
            private long bitrateBps = 2_000_000;
            private int pieceBytes = 16 * 1024;
            private long playoutDelayMs = 3000;
            private double latencyLoMs = 5;
            private double latencyHiMs = 75;
            private double loss = 0.0;
            private double viewerUploadX = 2.0;
            private int forgers;
            private int slowViewerIndex = -1;
            private double slowAtS;
            private double slowForS;
            private double restartAtS = -1;
            private double restartGapS = 2;
            private int rapEveryPieces = 15;
            private int substreams = 4;

            /** @param v viewers */ public Builder viewers(int v) { viewers = v; return this; }
            /** @param v virtual seconds */ public Builder durationS(int v) { durationS = v; return this; }
            /** @param v seed */ public Builder seed(long v) { seed = v; return this; }
            /** @param v bitrate */ public Builder bitrateBps(long v) { bitrateBps = v; return this; }
            /** @param v piece size */ public Builder pieceBytes(int v) { pieceBytes = v; return this; }
            /** @param v playout delay */ public Builder playoutDelayMs(long v) { playoutDelayMs = v; return this; }
            /** @param lo low one-way latency @param hi high one-way latency */
            public Builder latencyMs(double lo, double hi) { latencyLoMs = lo; latencyHiMs = hi; return this; }
            /** @param v frame loss probability */ public Builder loss(double v) { loss = v; return this; }
            /** @param v viewer upload as a multiple of the bitrate */ public Builder viewerUploadX(double v) { viewerUploadX = v; return this; }
            /** @param v viewers (the first ones) that corrupt every piece they send */ public Builder forgers(int v) { forgers = v; return this; }
            /** @param index viewer whose app callback blocks @param atS when @param forS for how long */
            public Builder slowViewer(int index, double atS, double forS) { slowViewerIndex = index; slowAtS = atS; slowForS = forS; return this; }
            /** @param atS broadcaster closes then restarts (new epoch) @param gapS after this pause */
            public Builder restart(double atS, double gapS) { restartAtS = atS; restartGapS = gapS; return this; }
            /** @param v a random access point every this many pieces */ public Builder rapEveryPieces(int v) { rapEveryPieces = v; return this; }
            /** @param v push trees */ public Builder substreams(int v) { substreams = v; return this; }

            /** @return the config */
            public Config build() {
                return new Config(viewers, durationS, seed, bitrateBps, pieceBytes, playoutDelayMs, latencyLoMs,
                        latencyHiMs, loss, viewerUploadX, forgers, slowViewerIndex, slowAtS, slowForS, restartAtS,
                        restartGapS, rapEveryPieces, substreams);
            }
        }
    }

    /** What one viewer experienced. */
    public static final class ViewerReport {
        /** Whether it corrupts what it sends. */
        public boolean forger;
        /** First sequence delivered per epoch. */
        public final Map<Long, Long> startSeq = new HashMap<>();
        /** Last sequence delivered per epoch. */
        public final Map<Long, Long> lastSeq = new HashMap<>();
        /** Pieces delivered. */
        public long delivered;
        /** Pieces skipped. */
        public long missed;
        /** Delivered out of order or twice (must stay 0). */
        public long orderViolations;
        /** Bytes that differ from what the broadcaster published (must stay 0). */
        public long corruptBytes;
        /** The gaps it skipped, in order. */
        public final List<Gap> gaps = new ArrayList<>();
        /** Epochs whose end of stream it reached. */
        public final List<Long> ends = new ArrayList<>();
        /** Pieces the app's callback received (slow viewer only). */
        public long appDelivered;
        /** Slow-consumer gaps the app's callback was told of (slow viewer only). */
        public long appGapsSlowConsumer;
        /** Final engine stats. */
        public dev.starling.api.Stats stats;
        /** When it delivered its first piece, virtual ns. */
        public long firstDeliveryNs = -1;
        /** Substreams with a push parent at the end. */
        public int parents;
        /** Push children (per substream) at the end. */
        public int children;
        /** Mean depth over attached substreams at the end. */
        public double meanDepth;
        /** Payload bytes pushed to children. */
        public long pushBytes;
        /** Payload bytes sent in answer to requests. */
        public long repairBytes;
    }

    /** What the run measured. */
    public record Result(Config config, long streamBytes, long broadcasterBytesUploaded, double serverUploadRatio,
                         double p2pShare, double continuity, long latencyMsP50, long latencyMsP99,
                         long corruptBytes, long orderViolations, long events, double wallS,
                         long realVerifications, int openLinksAfterForgery, List<ViewerReport> viewers) {
        /** @return a human summary */
        public String summary() {
            return String.format(Locale.ROOT,
                    "viewers=%d durationS=%d seed=%d streamBytes=%d serverUploadRatio=%.3f p2pShare=%.4f "
                            + "continuity=%.5f latencyMsP50=%d latencyMsP99=%d corruptBytes=%d orderViolations=%d "
                            + "events=%d wallS=%.1f",
                    config.viewers(), config.durationS(), config.seed(), streamBytes, serverUploadRatio, p2pShare,
                    continuity, latencyMsP50, latencyMsP99, corruptBytes, orderViolations, events, wallS);
        }
    }

    private final Config cfg;
    private final SimNetwork net;
    private final ChannelKeys keys;
    private final StreamConfig stream;
    private final CachingVerifier verifier;
    private final Map<Long, Payload[]> published = new HashMap<>();
    private final Map<Long, long[]> publishedAtNs = new HashMap<>();
    private final long[] latencyHistogramMs = new long[120_001];
    private final long[] deliveredPerSecond = new long[4096];
    private final long[] missedPerSecond = new long[4096];
    private Node broadcaster;
    private long epoch;
    private long streamBytes;
    private long broadcasterBytesBefore;

    /** @param cfg what to simulate */
    public SwarmSimulation(Config cfg) {
        this.cfg = cfg;
        this.net = new SimNetwork(cfg.seed(), cfg.latencyLoMs(), cfg.latencyHiMs(), cfg.loss());
        SplittableRandom r = new SplittableRandom(cfg.seed() ^ 0x5eed);
        byte[] seed = new byte[32];
        r.nextBytes(seed);
        this.keys = ChannelKeys.fromPrivateKey(seed);
        this.stream = StreamConfig.builder().bitrateHintBps(cfg.bitrateBps()).pieceBytes(cfg.pieceBytes())
                .playoutDelayMs(cfg.playoutDelayMs()).liveWindowMs(Math.max(10_000, cfg.playoutDelayMs() * 3)).build();
        this.verifier = new CachingVerifier(new Ed25519PieceVerifier(keys.channelId()));
    }

    /** @return pieces delivered by all viewers in each virtual second */
    public long[] deliveredPerSecond() {
        return deliveredPerSecond.clone();
    }

    /** @return pieces skipped by all viewers in each virtual second */
    public long[] missedPerSecond() {
        return missedPerSecond.clone();
    }

    /** @return the network (for tests that add their own nodes) */
    public SimNetwork network() {
        return net;
    }

    private EngineConfig engineConfig() {
        return EngineConfig.builder().stream(stream).substreams(cfg.substreams()).build();
    }

    private Node startBroadcaster(SimTransport t, long epochValue) {
        PieceSigner signer = new PieceSigner(keys);
        byte[] id = peerId(0, epochValue);
        long seed = net.nextSeed();
        Node n = new Node(t, (out, nowNs) -> new PeerEngine(keys.channelId(), signer, epochValue, verifier,
                engineConfig(), Long.MAX_VALUE, id, seed, nowNs, out));
        n.start(new InetSocketAddress(7000));
        return n;
    }

    private static byte[] peerId(int index, long salt) {
        byte[] id = new byte[16];
        long v = index * 0x9E3779B97F4A7C15L + salt;
        for (int i = 0; i < 8; i++) {
            id[i] = (byte) (v >>> (8 * i));
            id[8 + i] = (byte) (index >>> (8 * (i % 4)));
        }
        return id;
    }

    /**
     * Runs the simulation.
     *
     * @param progress where to print progress (null: quiet)
     */
    public Result run(PrintStream progress) {
        long wallStart = System.nanoTime();
        SimTransport bt = net.newTransport(Long.MAX_VALUE / 16);
        InetSocketAddress broadcasterAddress = bt.address();
        epoch = 1;
        broadcaster = startBroadcaster(bt, epoch);
        long pieceIntervalNs = cfg.pieceBytes() * 8L * 1_000_000_000L / cfg.bitrateBps();
        long endNs = cfg.durationS() * 1_000_000_000L;

        List<ViewerReport> reports = new ArrayList<>();
        List<Node> viewerNodes = new ArrayList<>();
        for (int i = 0; i < cfg.viewers(); i++) {
            ViewerReport rep = new ViewerReport();
            rep.forger = i < cfg.forgers();
            reports.add(rep);
            long upload = (long) (cfg.viewerUploadX() * cfg.bitrateBps());
            SimTransport t = net.newTransport(upload);
            if (rep.forger) {
                t.corruptOutgoingPayloads(new SplittableRandom(net.nextSeed()));
            }
            byte[] id = peerId(i + 1, 0);
            long seed = net.nextSeed();
            Node n = new Node(t, (out, nowNs) -> new PeerEngine(keys.channelId(), null, 0, verifier,
                    engineConfig(), upload, id, seed, nowNs, out));
            n.engine().addBootstrap(List.of(broadcasterAddress));
            n.pieceSink(new Probe(rep));
            if (i == cfg.slowViewerIndex()) {
                // This viewer's app uses the public Viewer API, exactly as over TCP; its callback thread is
                // virtual, and blocks (in virtual time) for slowForS once slowAtS has passed.
                SimExecutor app = new SimExecutor(net);
                Viewer viewer = new NodeViewer(n, app, 16);
                long stallAt = (long) (cfg.slowAtS() * 1e9);
                long stallFor = (long) (cfg.slowForS() * 1e9);
                boolean[] stalled = {false};
                viewer.onData((seq, bytes) -> {
                    rep.appDelivered++;
                    if (!stalled[0] && net.nowNs() >= stallAt) {
                        stalled[0] = true;
                        app.stall(stallFor);
                    }
                });
                viewer.onGap(g -> {
                    if (g.reason() == Gap.Reason.SLOW_CONSUMER) {
                        rep.appGapsSlowConsumer++;
                    }
                });
            }
            n.start(new InetSocketAddress(7000));
            viewerNodes.add(n);
        }

        // The synthetic encoder: one piece every interval, a random access point every rapEveryPieces.
        long[] seqInEpoch = {0};
        SplittableRandom content = new SplittableRandom(cfg.seed() ^ 0xC0FFEE);
        long restartAtNs = cfg.restartAtS() < 0 ? Long.MAX_VALUE : (long) (cfg.restartAtS() * 1e9);
        long restartGapNs = (long) (cfg.restartGapS() * 1e9);
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            long now = net.nowNs();
            if (now >= restartAtNs && epoch == 1) {
                broadcaster.engine().endStream(now / 1000, now);
                broadcasterBytesBefore += broadcaster.engine().counters().bytesUploaded();
                Node old = broadcaster;
                net.at(now + 500_000_000L, old::close);
                epoch = 2;
                seqInEpoch[0] = 0;
                net.at(now + restartGapNs, () -> {
                    broadcaster = startBroadcaster(net.newTransportAt(broadcasterAddress), epoch);
                    net.at(net.nowNs(), tick[0]);
                });
                return;
            }
            if (now + pieceIntervalNs > endNs + pieceIntervalNs) {
                return;
            }
            byte[] data = new byte[cfg.pieceBytes()];
            content.nextBytes(data);
            SimPayload payload = new SimPayload(data);
            long seq = seqInEpoch[0]++;
            int flags = seq % cfg.rapEveryPieces() == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0;
            broadcaster.engine().publish(payload, flags, now / 1000, now);
            published.computeIfAbsent(epoch, e -> new Payload[1 << 20])[(int) seq] = payload;
            publishedAtNs.computeIfAbsent(epoch, e -> new long[1 << 20])[(int) seq] = now;
            streamBytes += data.length;
            net.at(now + pieceIntervalNs, tick[0]);
        };
        net.at(0, tick[0]);

        long stepNs = 1_000_000_000L;
        for (long t = stepNs; t <= endNs; t += stepNs) {
            net.runUntil(t);
            if (progress != null && (t / stepNs) % 10 == 0) {
                double wall = (System.nanoTime() - wallStart) / 1e9;
                progress.printf(Locale.ROOT, "sim: %d/%d virtual s, %.0f events/s, about %.0f s left%n",
                        t / stepNs, cfg.durationS(), net.events() / Math.max(wall, 1e-9),
                        wall / t * (endNs - t));
            }
        }
        // Let the last pieces reach their deadlines so each is delivered or counted missed.
        net.runUntil(endNs + cfg.playoutDelayMs() * 1_000_000L + 1_000_000_000L);
        long broadcasterUploaded = broadcasterBytesBefore + broadcaster.engine().counters().bytesUploaded();
        long fromPeers = 0;
        long fromBroadcaster = 0;
        long delivered = 0;
        long due = 0;
        long corrupt = 0;
        long violations = 0;
        for (int i = 0; i < reports.size(); i++) {
            ViewerReport rep = reports.get(i);
            PeerEngine e = viewerNodes.get(i).engine();
            rep.stats = e.stats();
            rep.parents = e.parentCount();
            rep.children = e.childCount();
            rep.pushBytes = e.counters().bytesUploadedPush();
            rep.repairBytes = e.counters().bytesUploadedRepair();
            double d = 0;
            int n = 0;
            for (int k = 0; k < cfg.substreams(); k++) {
                if (e.depth(k) < 0xFFFF) {
                    d += e.depth(k);
                    n++;
                }
            }
            rep.meanDepth = n == 0 ? -1 : d / n;
            if (rep.forger) {
                continue;
            }
            fromPeers += rep.stats.bytesFromPeers();
            fromBroadcaster += rep.stats.bytesFromBroadcaster();
            delivered += rep.delivered;
            due += rep.delivered + rep.missed;
            corrupt += rep.corruptBytes;
            violations += rep.orderViolations;
        }
        double wallS = (System.nanoTime() - wallStart) / 1e9;
        return new Result(cfg, streamBytes, broadcasterUploaded, streamBytes == 0 ? 0 : (double) broadcasterUploaded / streamBytes,
                fromPeers + fromBroadcaster == 0 ? 0 : (double) fromPeers / (fromPeers + fromBroadcaster),
                due == 0 ? 0 : (double) delivered / due, percentile(0.50), percentile(0.99), corrupt, violations,
                net.events(), wallS, verifier.realVerifications(), net.openLinksThatDeliveredForgeries(), reports);
    }

    private long percentile(double q) {
        long total = Arrays.stream(latencyHistogramMs).sum();
        if (total == 0) {
            return -1;
        }
        long target = (long) Math.ceil(q * total);
        long seen = 0;
        for (int ms = 0; ms < latencyHistogramMs.length; ms++) {
            seen += latencyHistogramMs[ms];
            if (seen >= target) {
                return ms;
            }
        }
        return latencyHistogramMs.length - 1;
    }

    /** Watches one viewer's in-order output on the loop. */
    private final class Probe implements Node.PieceSink {
        private final ViewerReport rep;

        Probe(ViewerReport rep) {
            this.rep = rep;
        }

        @Override
        public void onPiece(Piece piece) {
            long e = piece.epoch();
            long seq = piece.seq();
            Long last = rep.lastSeq.get(e);
            if (last != null && seq <= last) {
                rep.orderViolations++;
            }
            rep.startSeq.putIfAbsent(e, seq);
            rep.lastSeq.put(e, seq);
            rep.delivered++;
            deliveredPerSecond[(int) Math.min(4095, net.nowNs() / 1_000_000_000L)]++;
            if (rep.firstDeliveryNs < 0) {
                rep.firstDeliveryNs = net.nowNs();
            }
            Payload[] pub = published.get(e);
            Payload original = pub == null || seq >= pub.length ? null : pub[(int) seq];
            if (original == null) {
                rep.corruptBytes += piece.length();
            } else if (original != piece.payload()
                    && !Arrays.equals(original.toByteArray(), piece.payload().toByteArray())) {
                rep.corruptBytes += piece.length();
            }
            long[] at = publishedAtNs.get(e);
            if (at != null) {
                long ms = (net.nowNs() - at[(int) seq]) / 1_000_000;
                latencyHistogramMs[(int) Math.min(latencyHistogramMs.length - 1, Math.max(0, ms))]++;
            }
        }

        @Override
        public void onGap(Gap gap) {
            rep.missed += gap.pieceCount();
            rep.gaps.add(gap);
            missedPerSecond[(int) Math.min(4095, net.nowNs() / 1_000_000_000L)] += gap.pieceCount();
            rep.startSeq.putIfAbsent(gap.epoch(), gap.fromSeq());
            rep.lastSeq.merge(gap.epoch(), gap.toSeq(), Math::max);
        }

        @Override
        public void onEnd(long epochValue) {
            rep.ends.add(epochValue);
        }
    }
}
