package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Subscribe;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node pushes a piece to the children that forward it in order of their declared upload, most first. */
class PushOrderTest {
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void forwardersWithMoreUploadGetThePieceFirstAndLeavesLast() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true); // the broadcaster, peer 1
        int k = h.engine.primarySubstream();
        int other = (k + 1) % 4;
        // Connected in this order; declared upload 1, 6 and 3 Mbit/s; peers 2-4 forward k, peer 5 does not.
        long[][] children = {{2, 1_000_000, k}, {3, 6_000_000, k}, {4, 3_000_000, k}, {5, 9_000_000, other}};
        for (long[] c : children) {
            h.connectPeer(c[0], new InetSocketAddress("10.0." + c[0] + ".1", 7000), true, false, 0, c[1], (int) c[2]);
            h.control(c[0], Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), 0);
        }
        long seq = k; // a piece of substream k
        h.sent.clear();
        h.sentTo.clear();
        h.receive(new PieceSigner(keys).sign(1, seq, 5_000_000, 0, Payload.wrap(new byte[100])), 1_000_000);

        List<Long> order = new ArrayList<>();
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sent.get(i).hasPiece()) {
                order.add(h.sentTo.get(i));
            }
        }
        assertThat(order).containsExactly(3L, 4L, 2L, 5L);
    }
}
