package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/**
 * When a viewer without a parent in every tree starts playing: after 1.5 s if a run of pieces from a random access
 * point to the live edge has arrived (by pull, here), after 6 s at the newest random access point regardless.
 */
class StartTest {
    private static final long PIECE_NS = 65_000_000; // about 2 Mbit/s in 16 KiB pieces
    private static final int RAP_EVERY = 15;
    private final ChannelKeys keys = ChannelKeys.generate();
    private final PieceSigner signer = new PieceSigner(keys);

    private Piece piece(long seq) {
        return signer.sign(1, seq, seq * PIECE_NS / 1000, seq % RAP_EVERY == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                Payload.wrap(new byte[] {(byte) seq}));
    }

    /** Feeds pieces as they are published (seq i at i x 65 ms), skipping those {@code skip} names, up to {@code untilNs}. */
    private static long feed(EngineHarness v, StartTest t, long fromSeq, long untilNs, LongPredicate skip) {
        long seq = fromSeq;
        for (; seq * PIECE_NS <= untilNs; seq++) {
            if (!skip.test(seq)) {
                v.receive(t.piece(seq), seq * PIECE_NS + 1);
            }
        }
        return seq;
    }

    @Test
    void aViewerWithoutTreesStartsAfterOneAndAHalfSecondsOnceARunHasArrived() {
        EngineHarness v = new EngineHarness(keys).connectPeer(false);
        long next = feed(v, this, 0, 1_400_000_000L, s -> false);
        assertThat(v.delivered).as("no parent in any tree yet, and not 1.5 s since joining").isEmpty();

        feed(v, this, next, 1_600_000_000L, s -> false);
        assertThat(v.delivered).isNotEmpty();
        Piece first = v.delivered.get(0);
        assertThat(first.isRandomAccessPoint()).isTrue();
        assertThat(first.seq()).as("the newest random access point behind a complete run").isEqualTo(15);
        assertThat(v.gaps).isEmpty();
    }

    @Test
    void withoutACompleteRunAViewerWaitsSixSecondsThenStartsAtTheNewestRandomAccessPoint() {
        EngineHarness v = new EngineHarness(keys).connectPeer(false);
        LongPredicate substreamOneLost = s -> s % 4 == 1;
        long next = feed(v, this, 0, 5_950_000_000L, substreamOneLost);
        assertThat(v.delivered).as("a substream is missing: no run has arrived").isEmpty();

        feed(v, this, next, 6_200_000_000L, substreamOneLost);
        assertThat(v.delivered).isNotEmpty();
        assertThat(v.delivered.get(0).seq()).as("the newest random access point at 6 s").isEqualTo(90);
    }
}
