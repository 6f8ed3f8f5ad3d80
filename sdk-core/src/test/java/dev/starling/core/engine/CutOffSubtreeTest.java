package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Subscribe;
import dev.starling.core.wire.proto.SubscribeReply;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Subtrees are not cut off lightly. A viewer cut off from its parent in a tree keeps its subtree: its children hear
 * at once and stay while it reattaches, and it reattaches where no descendant can be, so no loop cuts the subtree
 * off. (Before, each child left a parent that had lost its own, and each of theirs left them in turn: a root's
 * eviction dissolved its tree.) And a parent making room evicts only children that feed no subtree there.
 */
class CutOffSubtreeTest {
    private static final long S = 1_000_000_000L;
    private static final long P = 1;      // the parent
    private static final long CHILD = 2;
    private static final long DEEP = 3;   // a neighbour deeper than the viewer was: perhaps its own descendant
    private static final long LEVEL = 4;  // a neighbour as deep as the viewer's old parent
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aViewerCutOffKeepsItsChildTellsItAtOnceAndReattachesOnlyWhereNoDescendantCanBe() {
        EngineHarness v = new EngineHarness(keys);
        int k = v.engine.primarySubstream();
        attachUnder(v, k, 1, 0); // the viewer is at depth 2
        v.connectPeer(CHILD, addr(CHILD), true, false, 0, 2_000_000, k);
        v.control(CHILD, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), 0);
        assertThat(v.lastReply(CHILD).getAccepted()).isTrue();
        v.connectPeer(DEEP, addr(DEEP), false, false, 0, 2_000_000, k);
        v.control(DEEP, map(k, 5), 0);

        v.engine.onDisconnected(P, S);
        assertThat(v.lastBufferMap(CHILD).getDepth(k)).as("the child hears at once that the tree is cut off")
                .isEqualTo(PeerEngine.DETACHED);
        for (long t = S; t < S + 400_000_000L; t += 50_000_000L) {
            v.engine.onTimer(t);
        }
        assertThat(subscribesTo(v, DEEP)).as("a neighbour at depth 5 may be in its own subtree").isEmpty();

        v.connectPeer(LEVEL, addr(LEVEL), false, false, S + 400_000_000L, 2_000_000, k);
        v.control(LEVEL, map(k, 2), S + 400_000_000L);
        for (long t = S + 400_000_000L; t < S + 900_000_000L; t += 50_000_000L) {
            v.engine.onTimer(t);
        }
        assertThat(subscribesTo(v, DEEP)).isEmpty();
        assertThat(subscribesTo(v, LEVEL)).as("depth 2, no deeper than the viewer was: not a descendant").hasSize(1);
        assertThat(v.sentTo(CHILD)).as("the child was never let go").noneMatch(c -> c.hasSubscribeReply()
                && !c.getSubscribeReply().getAccepted());
    }

    @Test
    void aDepthBeyondTwoToTheThirtyFirstReadsAsDetachedNotAsShallow() {
        // uint32 on the wire, a negative int in Java: taken as is, it made this viewer shallower than the root, and
        // a loop fed such depths would never reach MAX_DEPTH, the bound that breaks loops.
        EngineHarness v = new EngineHarness(keys);
        int k = v.engine.primarySubstream();
        attachUnder(v, k, 1, 0);
        v.control(P, map(k, -5), S);
        assertThat(v.engine.depth(k)).isEqualTo(PeerEngine.DETACHED);
    }

    @Test
    void onceTheSubtreeHasHadTimeToHearADeeperNeighbourWillDo() {
        EngineHarness v = new EngineHarness(keys);
        int k = v.engine.primarySubstream();
        attachUnder(v, k, 1, 0);
        v.connectPeer(CHILD, addr(CHILD), true, false, 0, 2_000_000, k);
        v.control(CHILD, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), 0);
        v.connectPeer(DEEP, addr(DEEP), false, false, 0, 2_000_000, k);
        v.engine.onDisconnected(P, S);
        for (long t = S; t < 3 * S; t += 50_000_000L) {
            v.control(DEEP, map(k, 5), t);
            v.engine.onTimer(t);
        }
        assertThat(subscribesTo(v, DEEP)).isNotEmpty();
    }

    @Test
    void aChildStaysUnderAParentThatIsCutOffAndMovesOnlyOnceAnotherOffersAValidDepth() {
        EngineHarness v = new EngineHarness(keys);
        int k = v.engine.primarySubstream();
        attachUnder(v, k, 1, 0);
        for (long t = S; t < 2 * S; t += 50_000_000L) {
            v.control(P, map(k, PeerEngine.DETACHED), t);
            v.engine.onTimer(t);
        }
        assertThat(v.sentTo(P)).as("it waits for its parent to reattach").noneMatch(Control::hasUnsubscribe);

        v.connectPeer(LEVEL, addr(LEVEL), false, false, 2 * S, 2_000_000, k);
        v.control(LEVEL, map(k, 3), 2 * S);
        v.engine.onTimer(2 * S + 300_000_000L);
        List<Subscribe> asked = subscribesTo(v, LEVEL);
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).getSwitching()).as("asks as one without a parent: it may take a leaf's place")
                .isFalse();
        assertThat(v.sentTo(P)).as("it keeps its parent until the new one accepts").noneMatch(Control::hasUnsubscribe);
        v.control(LEVEL, Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(k)
                .setAccepted(true)).build(), 2 * S + 400_000_000L);
        assertThat(v.sentTo(P)).anyMatch(Control::hasUnsubscribe);
        assertThat(v.engine.depth(k)).isEqualTo(4);
    }

    @Test
    void aFullParentMakesRoomForAForwarderOnlyByEvictingALeafThatFeedsNoSubtree() {
        EngineHarness v = new EngineHarness(keys); // 4 Mbit/s: 6 slots
        int k = v.engine.primarySubstream();
        int other = (k + 1) % 4;
        int slots = (int) (0.85 * 4_000_000 * 4 / 2_000_000);
        for (int i = 0; i < slots; i++) { // leaves in k: their own primary is another tree
            v.connectPeer(10 + i, addr(10 + i), true, false, 0, 2_000_000, other);
            v.control(10 + i, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), 0);
            assertThat(v.lastReply(10 + i).getAccepted()).isTrue();
            // Each passes k on to children of its own (a leaf may forward other trees in spare slots).
            v.control(10 + i, Control.newBuilder().setBufferMap(BufferMap.newBuilder()
                    .addAllDepth(List.of(3, 3, 3, 3)).setFeedingSubstreams(1 << k)).build(), 0);
        }
        v.connectPeer(30, addr(30), true, false, 0, 6_000_000, k);
        v.control(30, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), S);
        assertThat(v.lastReply(30).getAccepted()).as("every leaf feeds a subtree: none is cut off").isFalse();

        v.control(12, Control.newBuilder().setBufferMap(BufferMap.newBuilder()
                .addAllDepth(List.of(3, 3, 3, 3))).build(), 2 * S); // leaf 12 no longer feeds anyone
        v.control(30, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), 3 * S);
        assertThat(v.lastReply(30).getAccepted()).isTrue();
        assertThat(v.lastReply(12).getAccepted()).as("the leaf without a subtree made way").isFalse();
        for (int i = 0; i < slots; i++) {
            if (i != 2) {
                assertThat(v.lastReply(10 + i).getAccepted()).isTrue();
            }
        }
    }

    @Test
    void otherTreesGetThreeQuartersOfTheSlotsAndTheOwnTreeTakesThemBack() {
        EngineHarness v = new EngineHarness(keys); // 4 Mbit/s: 6 slots, 4 of them for other trees
        int k = v.engine.primarySubstream();
        int other = (k + 1) % 4;
        for (int i = 0; i < 5; i++) {
            v.connectPeer(10 + i, addr(10 + i), true, false, 0, 2_000_000, other);
            v.control(10 + i, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(other)).build(), 0);
            assertThat(v.lastReply(10 + i).getAccepted()).as("other-tree child %d", i).isEqualTo(i < 4);
        }
        for (int i = 0; i < 3; i++) {
            v.connectPeer(20 + i, addr(20 + i), true, false, 0, 2_000_000, k);
            v.control(20 + i, Control.newBuilder().setSubscribe(Subscribe.newBuilder().setSubstream(k)).build(), S);
            assertThat(v.lastReply(20 + i).getAccepted()).isTrue();
        }
        assertThat(v.engine.childCount()).as("the third forwarder took an other-tree child's slot").isEqualTo(6);
        assertThat(v.sentTo(10).stream().filter(Control::hasSubscribeReply).reduce((a, b) -> b).orElseThrow()
                .getSubscribeReply().getAccepted()).isFalse();
    }

    /** Connects the parent, at depth {@code parentDepth} in k with room, and lets the viewer attach under it. */
    private static void attachUnder(EngineHarness v, int k, int parentDepth, long nowNs) {
        v.connectPeer(P, addr(P), false, false, nowNs, 6_000_000, k);
        v.control(P, map(k, parentDepth), nowNs);
        v.engine.onTimer(nowNs);
        assertThat(subscribesTo(v, P)).hasSize(1);
        v.control(P, Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(k)
                .setAccepted(true)).build(), nowNs);
        assertThat(v.engine.depth(k)).isEqualTo(parentDepth + 1);
    }

    /** A neighbour's buffer map: at {@code depth} in k with room there, detached elsewhere. */
    private static Control map(int k, int depth) {
        List<Integer> depths = new ArrayList<>(List.of(PeerEngine.DETACHED, PeerEngine.DETACHED,
                PeerEngine.DETACHED, PeerEngine.DETACHED));
        depths.set(k, depth);
        return Control.newBuilder().setBufferMap(BufferMap.newBuilder().addAllDepth(depths)
                .setOpenSubstreams(1 << k)).build();
    }

    private static List<Subscribe> subscribesTo(EngineHarness v, long peer) {
        return v.sentTo(peer).stream().filter(Control::hasSubscribe).map(Control::getSubscribe).toList();
    }

    private static InetSocketAddress addr(long i) {
        return new InetSocketAddress("198.51.100." + i, 7000);
    }
}
