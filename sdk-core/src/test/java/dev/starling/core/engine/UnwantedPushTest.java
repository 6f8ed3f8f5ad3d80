package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Unsubscribe;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A neighbour that pushes a tree to this viewer without being its parent there (its unsubscribe lost, say) is told
 * to stop, so it does not spend that upload, or the broadcaster a reserve slot, for good.
 */
class UnwantedPushTest {
    private static final long S = 1_000_000_000L;
    private static final long PUSHER = 2;
    private final ChannelKeys keys = ChannelKeys.generate();
    private final PieceSigner signer = new PieceSigner(keys);

    private void piece(EngineHarness h, long from, long seq, long nowNs) {
        Piece p = signer.sign(1, seq, nowNs / 1000, seq == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                Payload.wrap(new byte[1000]));
        h.engine.onFrame(from, PieceCodec.encodeHeader(p), p.payload(), nowNs);
    }

    private static List<Integer> unsubscribesTo(EngineHarness h, long peer) {
        return h.sentTo(peer).stream().filter(Control::hasUnsubscribe).map(Control::getUnsubscribe)
                .map(Unsubscribe::getSubstream).toList();
    }

    @Test
    void piecesPushedByANonParentAreAnsweredWithAnUnsubscribeOnceASecondPerTree() {
        EngineHarness h = new EngineHarness(keys);
        h.connectPeer(PUSHER, new InetSocketAddress("198.51.100.2", 7000), true, false, 0);
        piece(h, PUSHER, 1, S);           // substream 1
        piece(h, PUSHER, 5, S + S / 4);   // substream 1 again, within the second
        piece(h, PUSHER, 2, S + S / 2);   // substream 2
        assertThat(unsubscribesTo(h, PUSHER)).containsExactly(1, 2);
        piece(h, PUSHER, 9, 2 * S + S / 4); // substream 1, a second later: told again
        assertThat(unsubscribesTo(h, PUSHER)).containsExactly(1, 2, 1);
        assertThat(h.engine.counters().unwantedPushesStopped()).isEqualTo(3);
        assertThat(h.delivered.size() + h.disconnects.size()).as("no one dropped")
                .isZero();
    }

    @Test
    void aParentsPushesAreWanted() {
        EngineHarness h = new EngineHarness(keys);
        h.connectPeer(PUSHER, new InetSocketAddress("198.51.100.2", 7000), true, false, 0);
        // The pusher offers room in every tree; the viewer subscribes and is accepted in some.
        h.control(PUSHER, Control.newBuilder().setBufferMap(dev.starling.core.wire.proto.BufferMap.newBuilder()
                .setEpoch(1).addAllDepth(List.of(1, 1, 1, 1)).setFreeSlots(4).setOpenSubstreams(0xF)).build(), 0);
        h.engine.onTimer(S / 2);
        List<Integer> asked = h.sentTo(PUSHER).stream().filter(Control::hasSubscribe)
                .map(c -> c.getSubscribe().getSubstream()).toList();
        assertThat(asked).isNotEmpty();
        for (int k : asked) {
            h.control(PUSHER, Control.newBuilder().setSubscribeReply(dev.starling.core.wire.proto.SubscribeReply
                    .newBuilder().setSubstream(k).setAccepted(true)).build(), S / 2);
        }
        for (int k : asked) {
            piece(h, PUSHER, k, S);
            piece(h, PUSHER, k + 4, S + S / 4);
        }
        assertThat(unsubscribesTo(h, PUSHER)).isEmpty();
    }
}
