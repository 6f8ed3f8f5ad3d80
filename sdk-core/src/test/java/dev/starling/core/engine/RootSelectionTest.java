package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Each tree's root is the one viewer the broadcaster feeds it to, so the root's fanout sets the width of every
 * level below: the broadcaster keeps its neighbour slots for strong uploaders and re-roots a tree at a clearly
 * stronger forwarder of it.
 */
class RootSelectionTest {
    private static final long S = 1_000_000_000L;
    private static final long HALF_X = 1_000_000;   // 0.5x the default 2 Mbit/s
    private static final long MID_X = 2_400_000;    // 1.2x
    private static final long STRONG_X = 6_000_000; // 3x
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aFullBroadcasterLetsAWeakNeighbourGoForOneThatUploadsAtLeastTwiceAsMuch() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE);
        for (int i = 0; i < 16; i++) {
            b.connectPeer(10 + i, addr(10 + i), true, false, 0, HALF_X, i % 4);
        }
        b.subscribe(10, 0, 0); // peer 10 is the root of tree 0: it holds a slot and stays
        assertThat(b.disconnects).isEmpty();

        b.connectPeer(40, addr(40), true, false, S, MID_X, 1);
        assertThat(b.disconnects).containsExactly("making room for a neighbour that uploads more");
        assertThat(b.engine.peerCount()).isEqualTo(16);
        assertThat(b.engine.counters().neighboursReplacedByStronger()).isEqualTo(1);
        assertThat(b.sentTo(11)).as("the first weak neighbour without a slot is let go with addresses and a goodbye")
                .anyMatch(Control::hasGoodbye);

        b.connectPeer(41, addr(41), true, false, S, 1_500_000, 2); // 1.5x a weak one: not enough
        assertThat(b.disconnects).hasSize(2).last().isEqualTo("peer limit reached");
        assertThat(b.sentTo(10)).as("a root is never let go for a stronger neighbour").noneMatch(Control::hasGoodbye);
    }

    @Test
    void aStrongerForwarderTakesTheRootOfItsTreeOnceTheRootHasHadItsProtection() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE);
        b.connectPeer(10, addr(10), true, false, 0, HALF_X, 0);
        b.subscribe(10, 0, 0);
        assertThat(b.lastReply(10).getAccepted()).isTrue();
        b.connectPeer(11, addr(11), true, false, S / 2, STRONG_X, 0);
        b.connectPeer(12, addr(12), true, false, S / 2, STRONG_X, 1); // strong, but forwards another tree

        b.engine.onTimer(S);
        assertThat(b.lastBufferMap(11).getDisplaceableSubstreams()).as("the root is protected for 2 s").isZero();
        b.engine.onTimer(2_100_000_000L);
        assertThat(b.lastBufferMap(11).getDisplaceableSubstreams()).isEqualTo(1);

        b.subscribe(11, 0, 2_100_000_000L);
        assertThat(b.lastReply(11).getAccepted()).isTrue();
        assertThat(b.lastReply(10).getAccepted()).as("the weak root is let go").isFalse();
        assertThat(b.engine.counters().rootsReplaced()).isEqualTo(1);

        b.engine.onTimer(5 * S);
        assertThat(b.lastBufferMap(10).getDisplaceableSubstreams())
                .as("no neighbour forwarding tree 0 is clearly stronger than the new root").isZero();
    }

    @Test
    void aRootIsNotReplacedByAPeerOfTheSameClassNorByOneThatOnlyClaimsFarMore() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE);
        b.connectPeer(10, addr(10), true, false, 0, 8_000_000, 0); // 4x the bitrate: the most a claim counts for
        b.subscribe(10, 0, 0);
        b.connectPeer(11, addr(11), true, false, 0, 9_000_000, 0);
        b.connectPeer(12, addr(12), true, false, 0, 1_000_000_000_000L, 0); // says a terabit: unchecked
        b.engine.onTimer(3 * S);
        assertThat(b.lastBufferMap(11).getDisplaceableSubstreams()).isZero();
        b.subscribe(12, 0, 3 * S);
        assertThat(b.lastReply(12).getAccepted()).isFalse();
        assertThat(b.engine.counters().rootsReplaced()).isZero();
    }

    private static InetSocketAddress addr(int i) {
        return new InetSocketAddress("10.0." + i + ".1", 7000);
    }
}
