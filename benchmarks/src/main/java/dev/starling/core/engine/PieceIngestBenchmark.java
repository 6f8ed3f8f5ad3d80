package dev.starling.core.engine;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.benchmarks.StarlingBenchmark;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.Sha256;
import dev.starling.core.wire.PieceCodec;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What taking in one piece costs a viewer, against what the cryptography alone costs, in one run.
 *
 * <ul>
 *   <li>{@code ingest}: a piece frame arrives as its header bytes and payload, from one of the 8 neighbours a
 *   viewer has by default. The shipping {@link PeerEngine} decodes the protobuf header, checks epoch, window and
 *   replay, verifies hash and Ed25519 signature, stores the piece in the live window and delivers it in order;
 *   then its timer runs for the piece's interval of stream time (2 Mbit/s), which sends the buffer maps that
 *   announce what it holds to all 8 neighbours every 400 ms, plus the rest of its upkeep.</li>
 *   <li>{@code floor}: one Bouncy Castle Ed25519 verify plus one JDK SHA-256 of the same payload, nothing else.</li>
 *   <li>{@code hashOnly}: the SHA-256 alone. The engine signs every piece; this is the bound that signing groups
 *   of pieces could approach.</li>
 * </ul>
 * Each piece is signed once in set-up (every sequence number is new to the engine, as on the wire); the payload
 * bytes are shared, which changes nothing for the hash. Payloads are heap arrays for both methods.
 */
@State(Scope.Benchmark)
public class PieceIngestBenchmark extends StarlingBenchmark {
    static final long EPOCH = 7;
    static final int NEIGHBOURS = 8;
    /** The piece arrives this long after it was published. */
    static final long ARRIVAL_DELAY_NS = 200_000_000L;

    @Param({"16384", "65536"})
    int pieceBytes;

    /** Distinct signed pieces: more than one measurement iteration ingests (tests use fewer). */
    int pieces = 40_000;

    private byte[] data;
    private byte[][] headers;
    private long intervalUs;
    private Piece floorPiece;
    private Ed25519PieceVerifier verifier;
    private ChannelKeys keys;

    EngineBench bench;
    private int next;

    /** Signs the pieces. */
    @Setup(Level.Trial)
    public void signPieces() {
        byte[] seed = new byte[32];
        new SplittableRandom(1).nextBytes(seed);
        keys = ChannelKeys.fromPrivateKey(seed);
        data = new byte[pieceBytes];
        new SplittableRandom(2).nextBytes(data);
        intervalUs = EngineBench.pieceIntervalUs(pieceBytes);
        long rapEvery = Math.max(1, 2_000_000 / intervalUs); // a random access point every 2 s
        PieceSigner signer = new PieceSigner(keys);
        headers = new byte[pieces][];
        for (int s = 0; s < pieces; s++) {
            Piece piece = signer.sign(EPOCH, s, publishUs(s), s % rapEvery == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                    Payload.wrap(data));
            headers[s] = PieceCodec.encodeHeader(piece);
            if (s == 0) {
                floorPiece = piece;
            }
        }
        verifier = new Ed25519PieceVerifier(keys.channelId());
    }

    /** A fresh viewer for each iteration, already playing (past its 6 s start without trees). */
    @Setup(Level.Iteration)
    public void freshViewer() {
        bench = new EngineBench(keys.channelId(), verifier, pieceBytes, NEIGHBOURS);
        next = 0;
        long warmup = 8_000_000 / intervalUs;
        for (int i = 0; i < warmup; i++) {
            ingest();
        }
        if (!bench.engine.started()) {
            throw new IllegalStateException("the viewer did not start playing");
        }
    }

    /** Fails the run if the engine refused a piece or a neighbour: then it measured the wrong thing. */
    @TearDown(Level.Iteration)
    public void check() {
        EngineCounters c = bench.engine.counters();
        if (c.piecesRejected != 0 || c.piecesLate != 0 || bench.gaps != 0 || bench.lastDisconnect != null
                || bench.deliveries < next - 8_000_000 / intervalUs - 4) {
            throw new IllegalStateException("ingest went wrong: rejected " + c.piecesRejected + ", late "
                    + c.piecesLate + ", gaps " + bench.gaps + ", delivered " + bench.deliveries + " of " + next
                    + ", " + bench.lastDisconnect);
        }
    }

    private long publishUs(long seq) {
        return EngineBench.START_NS / 1000 + seq * intervalUs;
    }

    /** @return pieces delivered so far (the engine's work, for JMH to consume) */
    @Benchmark
    public long ingest() {
        if (next == pieces) {
            freshViewer(); // only if an iteration outruns the signed pieces; sized so it does not
        }
        int s = next++;
        long nowNs = publishUs(s) * 1000 + ARRIVAL_DELAY_NS;
        PeerEngine engine = bench.engine;
        engine.onFrame(1 + s % NEIGHBOURS, headers[s], Payload.wrap(data), nowNs);
        engine.onTimer(nowNs);
        return bench.deliveries;
    }

    /** @return the SHA-256 alone: what a piece would cost if one signature covered many pieces */
    @Benchmark
    public byte[] hashOnly() {
        return Sha256.digest(floorPiece.payload());
    }

    /** @return one SHA-256 and one Ed25519 verify of a piece this size, nothing else */
    @Benchmark
    public Object floor() {
        byte[] sha = Sha256.digest(floorPiece.payload());
        return verifier.checkSignature(floorPiece) == null ? sha : null;
    }
}
