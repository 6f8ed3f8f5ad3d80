package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Subscribe;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order in which a node pushes a piece to its children: first by how many nodes wait on each child in that
 * tree (its subtree), then forwarders of the tree, then children whose other trees are shallower, then upload.
 */
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
            addChild(h, c[0], c[1], (int) c[2], k);
        }
        assertThat(pushOrder(h, k)).containsExactly(3L, 4L, 2L, 5L);
    }

    @Test
    void theChildMostNodesWaitOnGetsThePieceFirst() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        int k = h.engine.primarySubstream();
        int other = (k + 1) % 4;
        addChild(h, 2, 6_000_000, k, k);     // forwards k, most upload, feeds no one yet
        addChild(h, 3, 1_000_000, k, k);     // forwards k to 20 nodes
        addChild(h, 4, 1_000_000, other, k); // a leaf of k that still feeds 3 nodes there
        addChild(h, 5, 9_000_000, other, k); // a leaf that feeds no one
        bufferMap(h, 3, k, 20, 2);
        bufferMap(h, 4, k, 3, 2);
        assertThat(pushOrder(h, k)).containsExactly(3L, 4L, 2L, 5L);
    }

    @Test
    void amongLeavesTheOneWhoseOtherTreesAreShallowerComesFirst() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        int k = h.engine.primarySubstream();
        int other = (k + 1) % 4;
        addChild(h, 2, 3_000_000, other, k);
        addChild(h, 3, 3_000_000, other, k);
        bufferMap(h, 2, k, 0, 7); // its other trees are 7 hops deep: a piece of k early is no use to it yet
        bufferMap(h, 3, k, 0, 3);
        assertThat(pushOrder(h, k)).containsExactly(3L, 2L);
    }

    @Test
    void itsBufferMapSaysHowManyNodesItFeedsInEachTree() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        int k = h.engine.primarySubstream();
        addChild(h, 2, 3_000_000, k, k);
        addChild(h, 3, 3_000_000, k, k);
        bufferMap(h, 2, k, 4, 2);
        h.engine.onTimer(1_000_000_000L); // a buffer map interval later

        BufferMap bm = h.lastBufferMap(2);
        assertThat(bm.getSubtreeCount()).isEqualTo(4);
        for (int j = 0; j < 4; j++) {
            assertThat(bm.getSubtree(j)).as("substream %d", j).isEqualTo(j == k ? (1 + 4) + (1 + 0) : 0);
        }
    }

    @Test
    void aBufferMapWithTheWrongNumberOfSubtreeSizesDropsThePeer() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        int k = h.engine.primarySubstream();
        addChild(h, 2, 3_000_000, k, k);
        h.control(2, Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addAllDepth(List.of(2, 2, 2, 2)).addAllSubtree(List.of(1, 2, 3))).build(), 0);
        assertThat(h.disconnects).anySatisfy(reason -> assertThat(reason).contains("3 subtree sizes"));
    }

    /** Connects a peer with this upload and primary substream, and has it subscribe to substream k. */
    private static void addChild(EngineHarness h, long peer, long uploadBps, int primary, int k) {
        h.connectPeer(peer, new InetSocketAddress("10.0." + peer + ".1", 7000), true, false, 0, uploadBps, primary);
        h.control(peer, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), 0);
    }

    /** A buffer map from a peer: it feeds {@code subtree} nodes in k and sits at this depth in every other tree. */
    private static void bufferMap(EngineHarness h, long peer, int k, int subtree, int otherDepth) {
        List<Integer> depths = new ArrayList<>(Collections.nCopies(4, otherDepth));
        depths.set(k, 2);
        List<Integer> subtrees = new ArrayList<>(Collections.nCopies(4, 0));
        subtrees.set(k, subtree);
        h.control(peer, Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addAllDepth(depths).addAllSubtree(subtrees)).build(), 0);
    }

    /** The peers a freshly received piece of substream k goes to, in order. */
    private List<Long> pushOrder(EngineHarness h, int k) {
        h.sent.clear();
        h.sentTo.clear();
        h.receive(new PieceSigner(keys).sign(1, k, 5_000_000, 0, Payload.wrap(new byte[100])), 1_000_000);
        List<Long> order = new ArrayList<>();
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sent.get(i).hasPiece()) {
                order.add(h.sentTo.get(i));
            }
        }
        return order;
    }
}
