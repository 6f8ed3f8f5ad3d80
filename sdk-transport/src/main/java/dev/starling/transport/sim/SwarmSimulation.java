package dev.starling.transport.sim;

import dev.starling.api.ChannelKeys;
import dev.starling.api.Gap;
import dev.starling.api.StreamConfig;
import dev.starling.api.Viewer;
import dev.starling.api.spi.Payload;
import dev.starling.core.engine.EngineConfig;
import dev.starling.core.engine.PeerEngine;
import dev.starling.core.engine.Strategy;
import dev.starling.core.node.Node;
import dev.starling.core.node.NodeViewer;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A broadcaster and N viewers running the shipping {@link PeerEngine} through {@link Node} on a
 * {@link SimNetwork}, in virtual time, measured from outside: what each viewer delivered, in what order, how
 * late, and whether every byte is the broadcaster's. Same config and seed, same result.
 *
 * <p>Continuity counts (viewer session, piece) pairs due during the session: from the piece the viewer started
 * at (its first delivered or skipped piece) to the session's end, each piece due at publish time plus the
 * playout delay. A session that never starts owes every piece published after it joined. Start-up time is
 * measured separately: join to first delivered byte.
 */
public final class SwarmSimulation {

    /** What to simulate. Build with {@link #builder()}. */
    public record Config(int viewers, int durationS, long seed, long bitrateBps, int pieceBytes, long playoutDelayMs,
                         double latencyLoMs, double latencyHiMs, double loss, UploadDistribution uploadDist,
                         double churnPerMin, String join, double freeRiders, long serverUploadBps, Strategy strategy,
                         int forgers, int liars, int slowViewerIndex, double slowAtS, double slowForS,
                         double restartAtS, double restartGapS, int rapEveryPieces, int substreams, int threads) {
        /** @return a builder with the defaults */
        public static Builder builder() {
            return new Builder();
        }

        /** Builds a config; defaults are the simulator tool's. */
        public static final class Builder {
            private int viewers = 100;
            private int durationS = 60;
            private long seed = 1;
            private long bitrateBps = 2_000_000;
            private int pieceBytes = 16 * 1024;
            private long playoutDelayMs = 3000;
            private double latencyLoMs = 5;
            private double latencyHiMs = 75;
            private double loss = 0.005;
            private UploadDistribution uploadDist = UploadDistribution.parse("heterogeneous");
            private double churnPerMin;
            private String join = "all";
            private double freeRiders;
            private long serverUploadBps;
            private Strategy strategy = Strategy.DEFAULT;
            private int forgers;
            private int liars;
            private int slowViewerIndex = -1;
            private double slowAtS;
            private double slowForS;
            private double restartAtS = -1;
            private double restartGapS = 2;
            private int rapEveryPieces = 15;
            private int substreams = 4;
            private int threads = 1;

            /** @param v viewers present at a time */ public Builder viewers(int v) { viewers = v; return this; }
            /** @param v virtual seconds of stream */ public Builder durationS(int v) { durationS = v; return this; }
            /** @param v seed */ public Builder seed(long v) { seed = v; return this; }
            /** @param v bitrate */ public Builder bitrateBps(long v) { bitrateBps = v; return this; }
            /** @param v piece size */ public Builder pieceBytes(int v) { pieceBytes = v; return this; }
            /** @param v playout delay */ public Builder playoutDelayMs(long v) { playoutDelayMs = v; return this; }
            /** @param lo low one-way latency @param hi high one-way latency */
            public Builder latencyMs(double lo, double hi) { latencyLoMs = lo; latencyHiMs = hi; return this; }
            /** @param v frame loss probability */ public Builder loss(double v) { loss = v; return this; }
            /** @param v upload distribution */ public Builder uploadDist(UploadDistribution v) { uploadDist = v; return this; }
            /** @param v every viewer uploads this multiple of the bitrate */
            public Builder viewerUploadX(double v) { uploadDist = UploadDistribution.parse("uniform:" + v); return this; }
            /** @param v share of viewers that leave (and are replaced) each minute */ public Builder churnPerMin(double v) { churnPerMin = v; return this; }
            /** @param v all, flash:T or steady */ public Builder join(String v) { join = v; return this; }
            /** @param v share of viewers that upload nothing */ public Builder freeRiders(double v) { freeRiders = v; return this; }
            /** @param v broadcaster upload cap (0: unlimited) */ public Builder serverUploadBps(long v) { serverUploadBps = v; return this; }
            /** @param v distribution strategy */ public Builder strategy(Strategy v) { strategy = v; return this; }
            /** @param v viewers (the first ones) that forge pieces */ public Builder forgers(int v) { forgers = v; return this; }
            /**
             * @param v viewers (the first after the forgers) that declare four times the bitrate of upload, so that
             *          they are made tree roots, and then forward no piece at all
             */
            public Builder liars(int v) { liars = v; return this; }
            /** @param index viewer whose app callback blocks @param atS when @param forS for how long */
            public Builder slowViewer(int index, double atS, double forS) { slowViewerIndex = index; slowAtS = atS; slowForS = forS; return this; }
            /** @param atS broadcaster closes then restarts (new epoch) @param gapS after this pause */
            public Builder restart(double atS, double gapS) { restartAtS = atS; restartGapS = gapS; return this; }
            /** @param v a random access point every this many pieces */ public Builder rapEveryPieces(int v) { rapEveryPieces = v; return this; }
            /** @param v push trees */ public Builder substreams(int v) { substreams = v; return this; }
            /** @param v threads to run nodes on; the results do not depend on it */
            public Builder threads(int v) { threads = v; return this; }

            /** @return the config */
            public Config build() {
                if (viewers < 0) throw new IllegalArgumentException("viewers must be >= 0");
                if (durationS < 1) throw new IllegalArgumentException("duration must be >= 1 s");
                if (!(loss >= 0 && loss < 1)) throw new IllegalArgumentException("loss must be in [0, 1)");
                if (!(freeRiders >= 0 && freeRiders <= 1)) throw new IllegalArgumentException("free riders must be in [0, 1]");
                if (!(churnPerMin >= 0 && churnPerMin <= 1)) throw new IllegalArgumentException("churn must be in [0, 1]");
                if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
                if (substreams < 1 || substreams > 32) throw new IllegalArgumentException("substreams must be 1..32");
                parseJoin(join, durationS);
                return new Config(viewers, durationS, seed, bitrateBps, pieceBytes, playoutDelayMs, latencyLoMs,
                        latencyHiMs, loss, uploadDist, churnPerMin, join, freeRiders, serverUploadBps, strategy,
                        forgers, liars, slowViewerIndex, slowAtS, slowForS, restartAtS, restartGapS, rapEveryPieces,
                        substreams, threads);
            }
        }
    }

    /** @return the join window in seconds for a join mode: 0 for all, T for flash:T, the duration for steady */
    static double parseJoin(String join, int durationS) {
        if (join.equals("all")) {
            return 0;
        }
        if (join.equals("steady")) {
            return durationS;
        }
        if (join.startsWith("flash:")) {
            try {
                double t = Double.parseDouble(join.substring(6));
                if (t >= 0) {
                    return t;
                }
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw new IllegalArgumentException("join '" + join + "': use all, flash:T (seconds) or steady");
    }

    /** What one viewer session experienced. */
    public static final class ViewerReport {
        /** Whether it forges pieces. */
        public boolean forger;
        /** Whether it declares four times the bitrate of upload and forwards no piece. */
        public boolean liar;
        /** Whether it uploads nothing. */
        public boolean freeRider;
        /** Its upload capacity as a multiple of the bitrate (0 for free riders). */
        public double uploadMultiple;
        /** When it joined and left (-1: still there at the end), virtual ns. */
        public long joinNs;
        /** When it left, virtual ns; -1 if it stayed to the end. */
        public long leaveNs = -1;
        /** First sequence delivered or skipped, per epoch. */
        public final Map<Long, Long> startSeq = new HashMap<>();
        /** Last sequence delivered or skipped, per epoch. */
        public final Map<Long, Long> lastSeq = new HashMap<>();
        /** Sequences delivered, per epoch. */
        final Map<Long, BitSet> deliveredSeqs = new HashMap<>();
        /** Pieces delivered. */
        public long delivered;
        /** Pieces delivered after their deadline by the true (virtual) clock: not counted as on time. */
        public long deliveredAfterDeadline;
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
        /** When it delivered its first piece, virtual ns; -1 never. */
        public long firstDeliveryNs = -1;
        /** Substreams with a push parent at the end. */
        public int parents;
        /** Push children (per substream) at the end. */
        public int children;
        /** Payload bytes pushed to children. */
        public long pushBytes;
        /** Payload bytes sent in answer to requests. */
        public long repairBytes;
        /** Pieces due during the session, and of those delivered by their deadline (set when it ends). */
        public long duePieces;
        /** Of {@link #duePieces}, delivered by their deadline. */
        public long dueDelivered;
        Node node;
    }

    /**
     * The broadcaster's upload (payload bytes) by what it was for; the four parts add up to all it sent. Per-second
     * arrays are indexed by virtual second.
     *
     * @param rootBytes     pushed to the trees' roots
     * @param handOverBytes pushed to roots that made way for stronger ones, while they hand over their subtree
     * @param reserveBytes  pushed to viewers in reserve slots (no room among their neighbours)
     * @param repairBytes   sent in answer to requests (pull repair), and the end-of-stream marker
     */
    public record BroadcasterUpload(long rootBytes, long handOverBytes, long reserveBytes, long repairBytes,
                                    long[] rootBytesPerSecond, long[] handOverBytesPerSecond,
                                    long[] reserveBytesPerSecond, long[] repairBytesPerSecond) {
    }

    /** What the run measured. */
    public record Result(Config config, long streamBytes, long broadcasterBytesUploaded, double serverUploadRatio,
                         double p2pShare, double continuity, double continuityContributors,
                         double continuityFreeRiders, long latencyMsP50, long latencyMsP99, long startupMsP50,
                         long startupMsP99, long corruptBytes, long orderViolations, long events, double wallS,
                         long realVerifications, int openLinksAfterForgery, long[] broadcasterBytesPerSecond,
                         BroadcasterUpload broadcasterUpload, double[] continuityPerSecond, long[] latencyHistogramMs,
                         Map<String, double[]> uploadUsedPerClass, List<ViewerReport> viewers) {
        /**
         * How evenly continuity is spread: the continuity of the viewer session at quantile {@code q}, worst first
         * (0.01: the session that did better than only 1% of them), over sessions that owed pieces, forgers and liars left out.
         *
         * @return that continuity, or NaN if no session owed any piece
         */
        public double viewerContinuityQuantile(double q) {
            double[] each = viewers.stream().filter(v -> !v.forger && !v.liar && v.duePieces > 0)
                    .mapToDouble(v -> (double) v.dueDelivered / v.duePieces).sorted().toArray();
            if (each.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(q * each.length) - 1;
            return each[Math.max(0, Math.min(each.length - 1, i))];
        }

        /** @return copies of the stream the broadcaster pushed to the trees' roots (a part of serverUploadRatio) */
        public double serverRootsRatio() {
            return share(broadcasterUpload.rootBytes());
        }

        /** @return copies pushed to roots handing over after making way (a part of serverUploadRatio) */
        public double serverHandOverRatio() {
            return share(broadcasterUpload.handOverBytes());
        }

        /** @return copies pushed to reserve slots (a part of serverUploadRatio) */
        public double serverReserveRatio() {
            return share(broadcasterUpload.reserveBytes());
        }

        /** @return copies sent as pull repair (a part of serverUploadRatio) */
        public double serverRepairRatio() {
            return share(broadcasterUpload.repairBytes());
        }

        private double share(long bytes) {
            return streamBytes == 0 ? 0 : (double) bytes / streamBytes;
        }

        /** @return a one-line human summary */
        public String summary() {
            return String.format(Locale.ROOT,
                    "viewers=%d durationS=%d seed=%d strategy=%s serverUploadRatio=%.3f p2pShare=%.4f "
                            + "continuity=%.5f latencyMsP50=%d latencyMsP99=%d startupMsP50=%d startupMsP99=%d "
                            + "corruptBytes=%d orderViolations=%d events=%d wallS=%.1f",
                    config.viewers(), config.durationS(), config.seed(), config.strategy().cliName(),
                    serverUploadRatio, p2pShare, continuity, latencyMsP50, latencyMsP99, startupMsP50,
                    startupMsP99, corruptBytes, orderViolations, events, wallS);
        }
    }

    private final Config cfg;
    private final SimNetwork net;
    private final ChannelKeys keys;
    private final StreamConfig stream;
    private final CachingVerifier verifier;
    private final SplittableRandom population;
    private final Map<Long, Payload[]> published = new HashMap<>();
    private final Map<Long, long[]> publishedAtNs = new HashMap<>();
    private final Map<Long, Long> publishedCount = new HashMap<>();
    // Added to by every lane's viewers, each simulator thread in its own row.
    private final ThreadTally latencyHistogramMs;
    private final ThreadTally deliveredPerSecond;
    private final ThreadTally missedPerSecond;
    private final List<ViewerReport> sessions = new ArrayList<>();
    private final List<ViewerReport> present = new ArrayList<>();
    private InetSocketAddress broadcasterAddress;
    private Node broadcaster;
    private long epoch;
    private long streamBytes;
    /** What earlier broadcaster instances (before a restart) sent, per {@link #broadcasterParts} part. */
    private final long[] broadcasterPartsBefore = new long[PARTS];
    private Node retiredBroadcaster;
    private int nextPeerIndex = 1;

    /** @param cfg what to simulate */
    public SwarmSimulation(Config cfg) {
        this.cfg = cfg;
        this.net = new SimNetwork(cfg.seed(), cfg.latencyLoMs(), cfg.latencyHiMs(), cfg.loss(), cfg.threads());
        this.latencyHistogramMs = new ThreadTally(net.threads(), 120_001);
        this.deliveredPerSecond = new ThreadTally(net.threads(), 4096);
        this.missedPerSecond = new ThreadTally(net.threads(), 4096);
        SplittableRandom r = new SplittableRandom(cfg.seed() ^ 0x5eed);
        byte[] seed = new byte[32];
        r.nextBytes(seed);
        this.keys = ChannelKeys.fromPrivateKey(seed);
        this.population = new SplittableRandom(cfg.seed() ^ 0x9091);
        this.stream = StreamConfig.builder().bitrateHintBps(cfg.bitrateBps()).pieceBytes(cfg.pieceBytes())
                .playoutDelayMs(cfg.playoutDelayMs()).liveWindowMs(Math.max(10_000, cfg.playoutDelayMs() * 3)).build();
        this.verifier = new CachingVerifier(new Ed25519PieceVerifier(keys.channelId()));
    }

    private EngineConfig engineConfig() {
        return EngineConfig.builder().stream(stream).substreams(cfg.substreams()).strategy(cfg.strategy()).build();
    }

    private Node startBroadcaster(SimTransport t, long epochValue) {
        PieceSigner signer = new PieceSigner(keys);
        byte[] id = peerId(0, epochValue);
        long seed = net.nextSeed();
        long capacity = cfg.serverUploadBps() > 0 ? cfg.serverUploadBps() : Long.MAX_VALUE;
        Node n = new Node(t, (out, nowNs) -> new PeerEngine(keys.channelId(), signer, epochValue, verifier,
                engineConfig(), capacity, id, seed, nowNs, out));
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

    private void joinViewer(int slot) {
        ViewerReport rep = new ViewerReport();
        rep.joinNs = net.nowNs();
        rep.forger = slot < cfg.forgers() && sessions.size() < cfg.forgers();
        rep.liar = !rep.forger && slot < cfg.forgers() + cfg.liars() && sessions.size() < cfg.forgers() + cfg.liars();
        rep.freeRider = !rep.forger && !rep.liar && population.nextDouble() < cfg.freeRiders();
        rep.uploadMultiple = rep.freeRider ? 0 : cfg.uploadDist().draw(population);
        sessions.add(rep);
        present.add(rep);
        long linkBps = (long) (rep.uploadMultiple * cfg.bitrateBps());
        // A free rider's link still carries its control traffic; its engine uploads no payload.
        SimTransport t = net.newTransport(rep.freeRider || rep.liar ? cfg.bitrateBps() / 2 : Math.max(linkBps, 1));
        long capacity = rep.liar ? 4 * cfg.bitrateBps() : linkBps; // what its engine declares
        if (rep.liar) {
            t.withholdPayloads();
        }
        if (rep.forger) {
            t.corruptOutgoingPayloads(new SplittableRandom(net.nextSeed()));
        }
        byte[] id = peerId(nextPeerIndex++, 0);
        long seed = net.nextSeed();
        Node n = new Node(t, (out, nowNs) -> new PeerEngine(keys.channelId(), null, 0, verifier,
                engineConfig(), capacity, id, seed, nowNs, out));
        n.engine().addBootstrap(List.of(broadcasterAddress));
        n.pieceSink(new Probe(rep));
        rep.node = n;
        if (slot == cfg.slowViewerIndex() && sessions.size() == slot + 1) {
            attachSlowApp(n, rep);
        }
        n.start(new InetSocketAddress(7000));
    }

    private void attachSlowApp(Node n, ViewerReport rep) {
        // This viewer's app uses the public Viewer API, exactly as over TCP; its callback thread is virtual, and
        // blocks (in virtual time) for slowForS once slowAtS has passed.
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

    private void finish(ViewerReport rep, long endNs) {
        PeerEngine e = rep.node.engine();
        rep.stats = e.stats();
        rep.parents = e.parentCount();
        rep.children = e.childCount();
        rep.pushBytes = e.counters().bytesUploadedPush();
        rep.repairBytes = e.counters().bytesUploadedRepair();
        long playoutNs = cfg.playoutDelayMs() * 1_000_000L;
        for (Map.Entry<Long, long[]> ep : publishedAtNs.entrySet()) {
            long epochValue = ep.getKey();
            long[] at = ep.getValue();
            long count = publishedCount.getOrDefault(epochValue, 0L);
            Long start = rep.startSeq.get(epochValue);
            BitSet got = rep.deliveredSeqs.get(epochValue);
            for (int seq = 0; seq < count; seq++) {
                long due = at[seq] + playoutNs;
                if (due > endNs) {
                    break;
                }
                boolean owed = start != null ? seq >= start : at[seq] >= rep.joinNs;
                if (owed) {
                    rep.duePieces++;
                    if (got != null && got.get(seq)) {
                        rep.dueDelivered++;
                    }
                }
            }
        }
    }

    /**
     * Runs the simulation.
     *
     * @param progress where to print progress (null: quiet)
     */
    public Result run(PrintStream progress) {
        long wallStart = System.nanoTime();
        SimTransport bt = net.newTransport(cfg.serverUploadBps() > 0 ? cfg.serverUploadBps() : Long.MAX_VALUE / 16);
        broadcasterAddress = bt.address();
        epoch = 1;
        broadcaster = startBroadcaster(bt, epoch);
        long pieceIntervalNs = cfg.pieceBytes() * 8L * 1_000_000_000L / cfg.bitrateBps();
        long endNs = cfg.durationS() * 1_000_000_000L;

        double joinWindowNs = parseJoin(cfg.join(), cfg.durationS()) * 1e9;
        for (int i = 0; i < cfg.viewers(); i++) {
            int slot = i;
            long at = joinWindowNs == 0 ? 0 : (long) (population.nextDouble() * joinWindowNs);
            net.at(at, () -> joinViewer(slot));
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
                long[] sent = broadcasterParts();
                System.arraycopy(sent, 0, broadcasterPartsBefore, 0, PARTS);
                retiredBroadcaster = broadcaster; // counted in broadcasterPartsBefore from here on
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
            if (now >= endNs) {
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
            publishedCount.merge(epoch, 1L, Long::sum);
            streamBytes += data.length;
            net.at(now + pieceIntervalNs, tick[0]);
        };
        net.at(0, tick[0]);

        int seconds = cfg.durationS();
        long[][] partsPerSecond = new long[PARTS][seconds + 1];
        long[] lastParts = new long[PARTS];
        double churnDebt = 0;
        long stepNs = 1_000_000_000L;
        for (int sec = 1; sec <= seconds; sec++) {
            net.runUntil(sec * stepNs);
            long[] parts = broadcasterParts();
            for (int i = 0; i < PARTS; i++) {
                partsPerSecond[i][sec - 1] = parts[i] - lastParts[i];
            }
            lastParts = parts;
            churnDebt += present.size() * cfg.churnPerMin() / 60.0;
            while (churnDebt >= 1 && !present.isEmpty() && sec < seconds) {
                churnDebt -= 1;
                ViewerReport leaving = present.remove(population.nextInt(present.size()));
                leaving.leaveNs = net.nowNs();
                leaving.node.close();
                finish(leaving, leaving.leaveNs);
                joinViewer(Integer.MAX_VALUE);
            }
            if (progress != null && (sec % 10 == 0 || sec == seconds)) {
                double wall = (System.nanoTime() - wallStart) / 1e9;
                progress.printf(Locale.ROOT, "sim: %d/%d virtual s, %.0f events/s, about %.0f s left%n",
                        sec, seconds, net.events() / Math.max(wall, 1e-9), wall / sec * (seconds - sec));
            }
        }
        // Let the last pieces reach their deadlines so each is delivered or counted missed.
        long drainEnd = endNs + cfg.playoutDelayMs() * 1_000_000L + 1_000_000_000L;
        net.runUntil(drainEnd);
        for (ViewerReport rep : present) {
            finish(rep, drainEnd);
        }
        return result(wallStart, partsPerSecond);
    }

    // The broadcaster's upload by what it was for: all of it, then its parts, which add up to it.
    private static final int PARTS = 5;
    private static final int ALL = 0;
    private static final int ROOTS = 1;
    private static final int HAND_OVER = 2;
    private static final int RESERVE = 3;
    private static final int REPAIR = 4;

    /** @return payload bytes the broadcaster sent so far (across restarts), all and by part */
    private long[] broadcasterParts() {
        long[] parts = new long[PARTS];
        if (broadcaster == retiredBroadcaster) {
            return broadcasterPartsBefore.clone(); // restarting: the old one is counted, the new one not up yet
        }
        var c = broadcaster.engine().counters();
        parts[ALL] = c.bytesUploaded();
        parts[HAND_OVER] = c.bytesUploadedHandOver();
        parts[RESERVE] = c.bytesUploadedReserve();
        parts[ROOTS] = c.bytesUploadedPush() - parts[HAND_OVER] - parts[RESERVE];
        parts[REPAIR] = c.bytesUploadedRepair();
        for (int i = 0; i < PARTS; i++) {
            parts[i] += broadcasterPartsBefore[i];
        }
        return parts;
    }

    private Result result(long wallStart, long[][] partsPerSecond) {
        long[] sent = broadcasterParts();
        long broadcasterUploaded = sent[ALL];
        BroadcasterUpload split = new BroadcasterUpload(sent[ROOTS], sent[HAND_OVER], sent[RESERVE], sent[REPAIR],
                partsPerSecond[ROOTS], partsPerSecond[HAND_OVER], partsPerSecond[RESERVE], partsPerSecond[REPAIR]);
        long fromPeers = 0;
        long fromBroadcaster = 0;
        long corrupt = 0;
        long violations = 0;
        long[] due = new long[2];
        long[] delivered = new long[2];
        List<Long> startups = new ArrayList<>();
        Map<String, double[]> uploadPerClass = new LinkedHashMap<>();
        for (ViewerReport rep : sessions) {
            if (rep.forger || rep.liar) {
                continue;
            }
            fromPeers += rep.stats.bytesFromPeers();
            fromBroadcaster += rep.stats.bytesFromBroadcaster();
            corrupt += rep.corruptBytes;
            violations += rep.orderViolations;
            int cls = rep.freeRider ? 1 : 0;
            due[cls] += rep.duePieces;
            delivered[cls] += rep.dueDelivered;
            long end = rep.leaveNs >= 0 ? rep.leaveNs : net.nowNs();
            startups.add((rep.firstDeliveryNs >= 0 ? rep.firstDeliveryNs : end) - rep.joinNs);
            String label = rep.freeRider ? "free rider" : UploadDistribution.label(rep.uploadMultiple);
            double[] used = uploadPerClass.computeIfAbsent(label, k -> new double[3]);
            double seconds = Math.max(1e-9, (Math.min(end, cfg.durationS() * 1_000_000_000L) - rep.joinNs) / 1e9);
            used[0] += rep.stats.bytesUploaded();
            used[1] += rep.uploadMultiple * cfg.bitrateBps() / 8.0 * seconds;
            used[2]++;
        }
        Map<String, double[]> usedShare = new LinkedHashMap<>();
        uploadPerClass.forEach((k, v) -> usedShare.put(k, new double[] {v[1] == 0 ? 0 : v[0] / v[1], v[2], v[0]}));
        long[] startupSorted = startups.stream().mapToLong(Long::longValue).sorted().toArray();
        double[] perSecond = new double[Math.min(deliveredPerSecond.length(), cfg.durationS() + 10)];
        for (int i = 0; i < perSecond.length; i++) {
            long d = deliveredPerSecond.get(i);
            long m = missedPerSecond.get(i);
            perSecond[i] = d + m == 0 ? Double.NaN : (double) d / (d + m);
        }
        double wallS = (System.nanoTime() - wallStart) / 1e9;
        long allDue = due[0] + due[1];
        return new Result(cfg, streamBytes, broadcasterUploaded,
                streamBytes == 0 ? 0 : (double) broadcasterUploaded / streamBytes,
                fromPeers + fromBroadcaster == 0 ? 0 : (double) fromPeers / (fromPeers + fromBroadcaster),
                allDue == 0 ? 1 : (double) (delivered[0] + delivered[1]) / allDue,
                due[0] == 0 ? 1 : (double) delivered[0] / due[0],
                due[1] == 0 ? Double.NaN : (double) delivered[1] / due[1],
                percentile(0.50), percentile(0.99),
                percentileOf(startupSorted, 0.50) / 1_000_000, percentileOf(startupSorted, 0.99) / 1_000_000,
                corrupt, violations, net.events(), wallS, verifier.realVerifications(),
                net.openLinksThatDeliveredForgeries(), partsPerSecond[ALL], split, perSecond, histogram(),
                usedShare, sessions);
    }

    /**
     * The nearest-rank percentile, the definition every Starling figure uses.
     *
     * @param sorted values in ascending order
     * @param q      the quantile, in (0, 1]
     * @return the value, or -1 for no values
     */
    public static long percentileOf(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private long[] histogram() {
        long[] h = new long[latencyHistogramMs.length()];
        for (int i = 0; i < h.length; i++) {
            h[i] = latencyHistogramMs.get(i);
        }
        return h;
    }

    private long percentile(double q) {
        long[] latencyHistogramMs = histogram();
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
            long[] publishedAt = publishedAtNs.get(e);
            boolean onTime = publishedAt != null
                    && net.nowNs() <= publishedAt[(int) seq] + cfg.playoutDelayMs() * 1_000_000L;
            if (onTime) {
                rep.deliveredSeqs.computeIfAbsent(e, k -> new BitSet()).set((int) seq);
            } else {
                rep.deliveredAfterDeadline++;
            }
            int thread = net.threadIndex();
            deliveredPerSecond.add(thread, (int) Math.min(4095, net.nowNs() / 1_000_000_000L), 1);
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
                latencyHistogramMs.add(thread, (int) Math.min(latencyHistogramMs.length() - 1, Math.max(0, ms)), 1);
            }
        }

        @Override
        public void onGap(Gap gap) {
            rep.missed += gap.pieceCount();
            rep.gaps.add(gap);
            missedPerSecond.add(net.threadIndex(), (int) Math.min(4095, net.nowNs() / 1_000_000_000L), gap.pieceCount());
            rep.startSeq.putIfAbsent(gap.epoch(), gap.fromSeq());
            rep.lastSeq.merge(gap.epoch(), gap.toSeq(), Math::max);
        }

        @Override
        public void onEnd(long epochValue) {
            rep.ends.add(epochValue);
        }
    }
}
