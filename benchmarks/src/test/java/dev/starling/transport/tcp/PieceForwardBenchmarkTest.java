package dev.starling.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The forward benchmark writes whole frames to every peer and leaves no reference behind. */
class PieceForwardBenchmarkTest {

    @Test
    void forwardWritesOneFrameToEachPeerAndReleasesEverything() {
        PieceForwardBenchmark b = new PieceForwardBenchmark();
        b.pieceBytes = 16_384;
        b.receivePiece();
        long written = b.forward();
        assertThat(written % PieceForwardBenchmark.PEERS).isZero();
        long perPeer = written / PieceForwardBenchmark.PEERS;
        assertThat(perPeer).isGreaterThan(8 + 16_384).isLessThan(8 + 16_384 + 200);
        b.release(); // throws if a reference leaked
    }
}
