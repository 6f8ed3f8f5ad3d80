package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.StreamConfig;
import dev.starling.api.spi.HeapPayload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A viewer keeps two live windows of pieces, not its whole ring: older ones are let go as the stream moves on. */
class PieceRetentionTest {
    private static final long INTERVAL_US = 65_536; // 16 KiB at 2 Mbit/s

    /** A payload that records whether the engine let go of it. */
    private static final class Tracked extends HeapPayload {
        boolean released;

        Tracked(long seq) {
            super(new byte[] {(byte) seq, (byte) (seq >> 8), 7});
        }

        @Override
        public boolean release() {
            released = true;
            return true;
        }
    }

    @Test
    void piecesMoreThanTwoWindowsOldAreLetGoAndNewerOnesKept() {
        ChannelKeys keys = ChannelKeys.generate();
        PieceSigner signer = new PieceSigner(keys);
        StreamConfig stream = StreamConfig.builder().playoutDelayMs(1_000).liveWindowMs(3_000).build(); // 46 pieces a window
        EngineHarness h = new EngineHarness(keys, EngineConfig.builder().stream(stream).build()).connectPeer(true);
        int window = (int) (3_000_000 / INTERVAL_US) + 1;
        int count = 3 * window + 10;
        List<Tracked> payloads = new ArrayList<>();
        for (int seq = 0; seq < count; seq++) {
            Tracked payload = new Tracked(seq);
            payloads.add(payload);
            long publishUs = 1_000_000 + seq * INTERVAL_US;
            Piece p = signer.sign(1, seq, publishUs, seq % 15 == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0, payload);
            h.receive(p, publishUs * 1000);
        }
        long newest = count - 1;
        for (int seq = 0; seq < count; seq++) {
            assertThat(payloads.get(seq).released).as("piece %d of %d (window %d)", seq, count, window)
                    .isEqualTo(seq <= newest - 2L * window);
        }
    }
}
