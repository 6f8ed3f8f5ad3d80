package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A root that makes way for a better one keeps getting its tree's pieces for 1.5 s, so the subtree hanging on it is
 * not cut off while it finds a new parent; then they stop, and other trees' pieces never come that way.
 */
class RootHandOverTest {
    private static final long PIECE_NS = 65_536_000; // 16 KiB at 2 Mbit/s
    private static final int SUBSTREAMS = 4;
    private static final long LEAF_ROOT = 10;
    private static final long FORWARDER = 11;

    @Test
    void aRootThatMakesWayIsFedItsTreeForAWhile() {
        EngineHarness b = EngineHarness.broadcaster(ChannelKeys.generate(), Long.MAX_VALUE);
        b.connectPeer(LEAF_ROOT, addr(10), true, false, 0, 2_400_000, 1);
        b.subscribe(LEAF_ROOT, 0, 0);
        assertThat(b.lastReply(LEAF_ROOT).getAccepted()).as("first come, first rooted, though it forwards tree 1")
                .isTrue();
        long swapNs = 1_000_000_000L;
        b.connectPeer(FORWARDER, addr(11), true, false, swapNs, 2_400_000, 0);
        b.subscribe(FORWARDER, 0, swapNs);
        assertThat(b.lastReply(FORWARDER).getAccepted()).as("a forwarder of tree 0 takes the root's place").isTrue();
        assertThat(b.lastReply(LEAF_ROOT).getAccepted()).as("the old root is told it is no longer a child").isFalse();

        b.sent.clear();
        b.sentTo.clear();
        for (long nowNs = swapNs; nowNs <= swapNs + 3_000_000_000L; nowNs += PIECE_NS) {
            b.engine.publish(Payload.wrap(new byte[] {1}), 0, nowNs / 1000, nowNs);
        }
        List<Long> toOldRoot = seqsSentTo(b, LEAF_ROOT);
        List<Long> toNewRoot = seqsSentTo(b, FORWARDER);
        long handedOverUntil = (1_500_000_000L + PIECE_NS - 1) / PIECE_NS; // pieces published in the first 1.5 s
        assertThat(toOldRoot).as("tree 0's pieces only").allMatch(s -> s % SUBSTREAMS == 0);
        assertThat(toOldRoot).as("those of the first 1.5 s, all of them").isNotEmpty()
                .allMatch(s -> s < handedOverUntil)
                .hasSize((int) ((handedOverUntil + SUBSTREAMS - 1) / SUBSTREAMS));
        assertThat(toNewRoot).as("the new root gets every piece of tree 0").allMatch(s -> s % SUBSTREAMS == 0)
                .hasSizeGreaterThan(toOldRoot.size());
        EngineCounters c = b.engine.counters();
        assertThat(c.bytesUploadedHandOver()).as("hand-over pushes counted as such (1-byte pieces)")
                .isEqualTo(toOldRoot.size());
        assertThat(c.bytesUploadedPush()).as("and as pushes, with the new root's")
                .isEqualTo(toOldRoot.size() + toNewRoot.size());
        assertThat(c.bytesUploadedReserve()).isZero();
    }

    private static List<Long> seqsSentTo(EngineHarness b, long peer) {
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < b.sent.size(); i++) {
            Control c = b.sent.get(i);
            if (b.sentTo.get(i) == peer && c.hasPiece()) {
                seqs.add(c.getPiece().getSeq());
            }
        }
        return seqs;
    }

    private static InetSocketAddress addr(int i) {
        return new InetSocketAddress("10.0." + i + ".1", 7000);
    }
}
