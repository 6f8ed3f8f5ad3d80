package dev.starling.core.engine;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.benchmarks.StarlingBenchmark;
import dev.starling.core.piece.Piece;
import dev.starling.core.wire.PieceCodec;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One scheduling decision of a playing viewer: the pull-repair pass that looks over what it still needs (from
 * its playback position to the newest piece any neighbour holds), and for each missing piece picks the
 * least-loaded neighbour that holds it, then sends one request per chosen neighbour. The viewer has played for
 * 10 s of stream (2 Mbit/s in 16 KiB pieces, a full 10 s live window); every neighbour's buffer map holds that
 * window, and one piece of each of the 4 substreams is missing. Each operation is one pass, run a request
 * timeout after the last, so every missing piece is decided afresh.
 *
 * <p>The neighbour count is the default (8 outbound, as {@code EngineConfig} has it) or 64.
 */
@State(Scope.Benchmark)
public class ScheduleBenchmark extends StarlingBenchmark {
    static final long EPOCH = 3;
    static final int PIECE_BYTES = 16_384;
    static final long WINDOW_US = 10_000_000;
    static final long REQUEST_TIMEOUT_NS = 500_000_000L;

    @Param({"8", "64"})
    int neighbours;

    EngineBench bench;
    long nowNs;
    int missing;

    /** Plays 10 s of stream into a viewer, leaving one piece per substream missing near the live edge. */
    @Setup
    public void playTenSeconds() {
        byte[] seed = new byte[32];
        new SplittableRandom(1).nextBytes(seed);
        ChannelKeys keys = ChannelKeys.fromPrivateKey(seed);
        // The signature is not what this measures: pieces are taken as verified.
        bench = new EngineBench(keys.channelId(), piece -> null, PIECE_BYTES, neighbours);
        long intervalUs = EngineBench.pieceIntervalUs(PIECE_BYTES);
        int pieces = (int) (WINDOW_US / intervalUs) + 1;
        long rapEvery = 2_000_000 / intervalUs;
        byte[] data = new byte[PIECE_BYTES];
        byte[] sha = new byte[32];
        byte[] signature = new byte[64];
        PeerEngine engine = bench.engine;
        for (int s = 0; s < pieces; s++) {
            long publishUs = EngineBench.START_NS / 1000 + s * intervalUs;
            nowNs = publishUs * 1000 + 100_000_000L;
            if (s < pieces - 12 || s >= pieces - 8) { // pieces-12 .. pieces-9: one per substream, never arrives
                Piece piece = new Piece(EPOCH, s, publishUs, s % rapEvery == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                        PIECE_BYTES, sha, signature, Payload.wrap(data));
                engine.onFrame(1 + s % neighbours, PieceCodec.encodeHeader(piece), Payload.wrap(data), nowNs);
            }
            if (s % 6 == 0 || s == pieces - 1) {
                byte[] map = EngineBench.holding(EPOCH, Math.max(0, s - pieces + 1), s, s - s % rapEvery, publishUs);
                for (int i = 1; i <= neighbours; i++) {
                    engine.onFrame(i, map, Payload.empty(), nowNs);
                }
            }
            engine.onTimer(nowNs);
        }
        if (!engine.started() || engine.peerCount() != neighbours || bench.lastDisconnect != null) {
            throw new IllegalStateException("set-up went wrong: started " + engine.started() + ", peers "
                    + engine.peerCount() + ", " + bench.lastDisconnect);
        }
        missing = 4;
        long before = bench.sends;
        decide();
        if (bench.sends == before) {
            throw new IllegalStateException("the pass sent no request");
        }
    }

    /** @return requests sent so far (for JMH to consume) */
    @Benchmark
    public long decide() {
        nowNs += REQUEST_TIMEOUT_NS;
        bench.engine.repair(nowNs);
        return bench.sends;
    }
}
