package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The broadcaster cannot see whether a root forwards, only whether its neighbours hold that tree's pieces: a root
 * whose tree's pieces of 2 s to 0.8 s ago have reached no more than half of the settled neighbours is dropped,
 * and its listen address may not root a tree for ten minutes, whatever connection it comes back on.
 */
class RootCheckTest {
    private static final long PIECE_NS = 65_536_000; // 16 KiB at 2 Mbit/s
    private static final int SUBSTREAMS = 4;
    private static final long ROOT = 10; // roots of trees 0..3 are peers 10..13
    private static final long END_NS = 6_000_000_000L;
    private final ChannelKeys keys = ChannelKeys.generate();

    /**
     * Roots every tree at its own forwarder, then publishes 6 s of stream; every 400 ms each of six neighbours
     * reports what it holds: every tree's pieces but those of trees below {@code failingTrees}.
     */
    private EngineHarness run(int failingTrees) {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE);
        for (int k = 0; k < SUBSTREAMS; k++) {
            b.connectPeer(ROOT + k, addr(10 + k), true, false, 0, 8_000_000, k);
            b.subscribe(ROOT + k, k, 0);
            assertThat(b.lastReply(ROOT + k).getAccepted()).as("the first forwarder of tree %d is its root", k).isTrue();
        }
        for (int i = 0; i < 6; i++) {
            b.connectPeer(20 + i, addr(20 + i), true, false, 0, 2_400_000, i % SUBSTREAMS);
        }
        long seq = -1;
        for (long nowNs = 0; nowNs <= END_NS; nowNs += PIECE_NS) {
            seq = b.engine.publish(Payload.wrap(new byte[] {1}), 0, nowNs / 1000, nowNs);
            if (seq % 6 == 0) {
                for (int i = 0; i < 6; i++) {
                    b.control(20 + i, holding(seq, failingTrees), nowNs);
                }
            }
            b.engine.onTimer(nowNs);
        }
        return b;
    }

    @Test
    void aRootWhoseTreeDoesNotDeliverIsDroppedAndBarred() {
        EngineHarness b = run(1);
        assertThat(b.engine.counters().rootsDropped()).isEqualTo(1);
        assertThat(b.lastReply(ROOT).getAccepted()).as("the root is told it is no longer a child").isFalse();
        for (int k = 1; k < SUBSTREAMS; k++) {
            assertThat(b.lastReply(ROOT + k).getAccepted()).as("the root of tree %d delivers and stays", k).isTrue();
        }

        long t = END_NS + 100_000_000L;
        b.subscribe(ROOT, 0, t);
        assertThat(b.lastReply(ROOT).getAccepted()).as("and may not be root again").isFalse();
        b.connectPeer(30, addr(30), true, false, t, 2_400_000, 0);
        b.subscribe(30, 0, t);
        assertThat(b.lastReply(30).getAccepted()).as("another forwarder takes the tree").isTrue();
    }

    @Test
    void aDroppedRootThatComesBackOnANewConnectionIsStillBarred() {
        EngineHarness b = run(1);
        long t = END_NS + 100_000_000L;
        b.engine.onDisconnected(ROOT, t);
        b.connectPeer(40, addr(10), true, false, t, 8_000_000, 0); // same listen address, new connection and id
        b.subscribe(40, 0, t);
        assertThat(b.lastReply(40).getAccepted()).as("its listen address is barred, not its connection").isFalse();
    }

    @Test
    void rootsOfSeveralFailingTreesAreAllDropped() {
        // No neighbour holds the pieces of trees 0-2: judging only neighbours fed by the other trees would leave
        // no judge at all.
        EngineHarness b = run(3);
        assertThat(b.engine.counters().rootsDropped()).isEqualTo(3);
        for (int k = 0; k < 3; k++) {
            assertThat(b.lastReply(ROOT + k).getAccepted()).as("the root of tree %d is dropped", k).isFalse();
        }
        assertThat(b.lastReply(ROOT + 3).getAccepted()).as("the root of the tree that delivers stays").isTrue();
    }

    @Test
    void rootsWhoseTreesDeliverStay() {
        EngineHarness b = run(0);
        assertThat(b.engine.counters().rootsDropped()).isZero();
        assertThat(b.sentTo(ROOT).stream().filter(Control::hasPiece).count()).as("the root was pushed its tree's pieces")
                .isPositive();
        for (int k = 0; k < SUBSTREAMS; k++) {
            assertThat(b.sentTo(ROOT + k).stream().filter(Control::hasSubscribeReply).count()).isEqualTo(1);
        }
    }

    /** A neighbour's buffer map: every piece up to {@code newest} but those of trees below {@code failingTrees}. */
    private static Control holding(long newest, int failingTrees) {
        byte[] bits = new byte[(int) (newest / 8 + 1)];
        for (long s = 0; s <= newest; s++) {
            if (s % SUBSTREAMS >= failingTrees) {
                bits[(int) (s >>> 3)] |= (byte) (1 << (s & 7));
            }
        }
        BufferMap.Builder bm = BufferMap.newBuilder().setEpoch(1).setBaseSeq(0).setHave(ByteString.copyFrom(bits));
        for (int k = 0; k < SUBSTREAMS; k++) {
            bm.addDepth(2);
        }
        return Control.newBuilder().setBufferMap(bm).build();
    }

    private static InetSocketAddress addr(int i) {
        return new InetSocketAddress("10.0." + i + ".1", 7000);
    }
}
