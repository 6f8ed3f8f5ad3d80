package dev.starling.core.piece;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.benchmarks.StarlingBenchmark;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cryptographic floor of the piece path: what verifying one piece cannot cost less than. {@code floor} is one
 * Bouncy Castle Ed25519 verify plus one JDK SHA-256 of the payload; {@code verify} is the shipping
 * {@link Ed25519PieceVerifier} on the same piece (structure checks, hash, signature).
 */
@State(Scope.Benchmark)
public class PieceFloorBenchmark extends StarlingBenchmark {
    @Param({"16384", "65536"})
    int pieceBytes;

    private Piece piece;
    private Ed25519PieceVerifier verifier;

    /** Signs one piece with a fixed key. */
    @Setup
    public void setUp() {
        byte[] seed = new byte[32];
        new SplittableRandom(1).nextBytes(seed);
        ChannelKeys keys = ChannelKeys.fromPrivateKey(seed);
        byte[] data = new byte[pieceBytes];
        new SplittableRandom(2).nextBytes(data);
        piece = new PieceSigner(keys).sign(1, 42, 1_000_000, Piece.FLAG_RANDOM_ACCESS_POINT, Payload.wrap(data));
        verifier = new Ed25519PieceVerifier(keys.channelId());
        if (verifier.verify(piece) != null) {
            throw new IllegalStateException("benchmark piece does not verify");
        }
    }

    /** @return one SHA-256 and one Ed25519 verify, nothing else */
    @Benchmark
    public Object floor() {
        byte[] sha = Sha256.digest(piece.payload());
        return verifier.checkSignature(piece) == null ? sha : null;
    }

    /** @return the shipping verifier's verdict */
    @Benchmark
    public Object verify() {
        return verifier.verify(piece);
    }
}
