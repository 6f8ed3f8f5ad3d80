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
 * whose tree's piece of 2.5 s ago is missing at more than half of the neighbours that hold the rest of that round
 * is dropped and barred from rooting for a minute.
 */
class RootCheckTest {
    private static final long PIECE_NS = 65_536_000; // 16 KiB at 2 Mbit/s
    private static final int SUBSTREAMS = 4;
    private static final long ROOT = 10;
    private final ChannelKeys keys = ChannelKeys.generate();

    /** Publishes 6 s of stream; every 400 ms each of six neighbours reports what it holds. */
    private EngineHarness run(boolean treeZeroReachesThem) {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE);
        b.connectPeer(ROOT, addr(10), true, false, 0, 8_000_000, 0);
        b.subscribe(ROOT, 0, 0);
        assertThat(b.lastReply(ROOT).getAccepted()).as("the first forwarder of tree 0 is its root").isTrue();
        for (int i = 0; i < 6; i++) {
            b.connectPeer(20 + i, addr(20 + i), true, false, 0, 2_400_000, 1 + i % 3);
        }
        long seq = -1;
        for (long nowNs = 0; nowNs <= 6_000_000_000L; nowNs += PIECE_NS) {
            seq = b.engine.publish(Payload.wrap(new byte[] {1}), 0, nowNs / 1000, nowNs);
            if (seq % 6 == 0) {
                for (int i = 0; i < 6; i++) {
                    b.control(20 + i, holding(seq, treeZeroReachesThem), nowNs);
                }
            }
            b.engine.onTimer(nowNs);
        }
        return b;
    }

    @Test
    void aRootWhoseTreeDoesNotDeliverIsDroppedAndBarred() {
        EngineHarness b = run(false);
        assertThat(b.engine.counters().rootsDropped()).isEqualTo(1);
        assertThat(b.lastReply(ROOT).getAccepted()).as("the root is told it is no longer a child").isFalse();

        b.subscribe(ROOT, 0, 6_100_000_000L);
        assertThat(b.lastReply(ROOT).getAccepted()).as("and may not be root again for a minute").isFalse();
        b.connectPeer(30, addr(30), true, false, 6_100_000_000L, 2_400_000, 0);
        b.subscribe(30, 0, 6_100_000_000L);
        assertThat(b.lastReply(30).getAccepted()).as("another forwarder takes the tree").isTrue();
    }

    @Test
    void aRootWhoseTreeDeliversStays() {
        EngineHarness b = run(true);
        assertThat(b.engine.counters().rootsDropped()).isZero();
        assertThat(b.sentTo(ROOT).stream().filter(Control::hasPiece).count()).as("the root was pushed its tree's pieces")
                .isPositive();
        assertThat(b.sentTo(ROOT).stream().filter(Control::hasSubscribeReply).count()).isEqualTo(1);
    }

    /** A neighbour's buffer map: every piece up to {@code newest}, tree 0's only if it reaches them. */
    private static Control holding(long newest, boolean treeZero) {
        byte[] bits = new byte[(int) (newest / 8 + 1)];
        for (long s = 0; s <= newest; s++) {
            if (treeZero || s % SUBSTREAMS != 0) {
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
