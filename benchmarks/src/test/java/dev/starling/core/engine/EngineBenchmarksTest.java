package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The engine benchmarks measure what they claim: the ingest benchmark's viewer plays every piece it is given and
 * refuses none; each schedule operation decides and sends requests afresh. Runs each a few operations, untimed.
 */
class EngineBenchmarksTest {

    @Test
    void ingestPlaysEveryPieceItIsGiven() {
        PieceIngestBenchmark b = new PieceIngestBenchmark();
        b.pieceBytes = 16_384;
        b.pieces = 300;
        b.signPieces();
        b.freshViewer();
        long before = b.bench.deliveries;
        for (int i = 0; i < 100; i++) {
            b.ingest();
        }
        assertThat(b.bench.deliveries - before).isBetween(96L, 100L);
        assertThat(b.bench.engine.counters().piecesRejected).isZero();
        assertThat(b.bench.sends).as("buffer maps announced the pieces").isPositive();
        b.check();
        assertThat(b.floor()).isNotNull();
        assertThat(b.hashOnly()).hasSize(32);
    }

    @Test
    void eachScheduleDecisionRequestsTheMissingPiecesAgain() {
        for (int neighbours : new int[] {8, 64}) {
            ScheduleBenchmark b = new ScheduleBenchmark();
            b.neighbours = neighbours;
            b.playTenSeconds();
            assertThat(b.bench.engine.peerCount()).isEqualTo(neighbours);
            for (int i = 0; i < 5; i++) {
                long before = b.bench.sends;
                b.decide();
                // One request per chosen neighbour: at least one, at most one per missing piece.
                assertThat(b.bench.sends - before).isBetween(1L, (long) b.missing);
            }
        }
    }
}
