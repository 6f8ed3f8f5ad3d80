package dev.starling.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.spi.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two {@link UdpLink}s joined by a virtual network (seeded loss, delay and jitter that reorders) in virtual time:
 * every run is the same for its seed, and a failure names the seed.
 */
class UdpLinkTest {
    private static final long MS = 1_000_000L;
    private static final UdpConfig CONFIG = UdpConfig.defaults();

    @Test
    void framesArriveWholeOnceAndInOrderDespiteLossAndReordering() {
        for (long seed = 1; seed <= 20; seed++) {
            Net net = new Net(seed, 0.10, 10 * MS, 5 * MS);
            SplittableRandom r = new SplittableRandom(seed);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                byte[] payload = new byte[r.nextInt(4) == 0 ? r.nextInt(40_000) : r.nextInt(2_000)];
                r.nextBytes(payload);
                sent.add(payload);
                byte[] header = {(byte) i, (byte) (i >> 8)};
                net.at(i * MS, () -> net.a.send(header, Payload.wrap(payload), Long.MAX_VALUE));
            }
            net.runUntil(60_000 * MS);
            assertThat(net.a.closedReason()).as("seed %d: a", seed).isNull();
            assertThat(net.b.closedReason()).as("seed %d: b", seed).isNull();
            assertThat(net.toB.size()).as("seed %d: frames received; a %s; b %s", seed, net.a, net.b).isEqualTo(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                assertThat(net.toB.get(i)[0]).as("seed %d: header %d", seed, i).containsExactly((byte) i, (byte) (i >> 8));
                // Compared as a boolean: a failure must not print 40 KB of bytes.
                assertThat(Arrays.equals(net.toB.get(i)[1], sent.get(i))).as("seed %d: payload %d intact", seed, i).isTrue();
            }
            assertThat(net.a.pendingBytes()).as("seed %d: everything acknowledged", seed).isZero();
            assertThat(net.counters.packetsLost).as("seed %d: the network did lose packets", seed).isPositive();
            assertThat(net.b.reassemblyBytes()).as("seed %d", seed).isZero();
            net.discardInTransit();
        }
    }

    @Test
    void aFrameWhoseDeadlinePassesIsGivenUpAndNeverRetransmittedLate() {
        for (long seed = 1; seed <= 20; seed++) {
            Net net = new Net(seed, 0.25, 20 * MS, 10 * MS);
            List<Integer> controls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                boolean piece = i % 4 != 0;
                net.at(i * 5 * MS, () -> {
                    long deadline = piece ? net.now + 60 * MS : Long.MAX_VALUE; // pieces: barely three one-way trips
                    net.a.send(new byte[] {(byte) n}, Payload.wrap(new byte[piece ? 16_384 : 10]), deadline);
                });
                if (!piece) {
                    controls.add(i);
                }
            }
            net.runUntil(20_000 * MS);
            assertThat(net.counters.framesAbandoned).as("seed %d: pieces given up", seed).isPositive();
            assertThat(net.counters.retransmissions).as("seed %d: fragments sent again", seed).isPositive();
            assertThat(net.counters.retransmissionsAfterDeadline).as("seed %d: sent again after the deadline", seed)
                    .isZero();
            List<Integer> got = new ArrayList<>();
            for (byte[][] f : net.toB) {
                got.add(f[0][0] & 0xFF);
            }
            assertThat(got).as("seed %d: in order", seed).isSorted();
            assertThat(got).as("seed %d: frames without a deadline all arrive", seed).containsAll(controls);
            assertThat(net.a.pendingBytes()).as("seed %d", seed).isZero();
            assertThat(net.b.reassemblyBytes()).as("seed %d: what was given up is freed", seed).isZero();
            net.discardInTransit();
        }
    }

    @Test
    void aLinkWhoseWholePacketWindowIsInFlightWhenThePathGoesQuietRecoversEverything() {
        Net net = new Net(7, 0.0, 50 * MS, 0);
        int frames = 40;
        byte[] payload = new byte[1 << 20];
        new SplittableRandom(7).nextBytes(payload);
        for (int i = 0; i < frames; i++) {
            byte[] header = {(byte) i};
            net.at(0, () -> net.a.send(header, Payload.wrap(payload), Long.MAX_VALUE));
        }
        long t = 0;
        while (net.a.packetSpan() < UdpLink.WINDOW_PACKETS && t < 30_000 * MS) {
            net.runUntil(t += 5 * MS); // slow start on a path with no queue: the window fills
        }
        assertThat(net.a.packetSpan()).as("packets in flight when the path goes quiet").isEqualTo(UdpLink.WINDOW_PACKETS);
        net.cut = true; // nothing is acknowledged: timeouts send probes into a full window
        net.runUntil(t += 3_000 * MS);
        net.cut = false;
        net.runUntil(t + 300_000 * MS);
        assertThat(net.counters.probeTimeouts).isPositive();
        assertThat(net.toB).hasSize(frames);
        for (int i = 0; i < frames; i++) {
            assertThat(net.toB.get(i)[0]).containsExactly((byte) i);
            assertThat(Arrays.equals(net.toB.get(i)[1], payload)).as("frame %d intact", i).isTrue();
        }
        assertThat(net.a.pendingBytes()).isZero();
        net.discardInTransit();
    }

    @Test
    void keepAlivesHoldAnIdleLinkOpenAndASilentPeerIsDeclaredDead() {
        Net net = new Net(3, 0.0, 10 * MS, 0);
        long idle = CONFIG.idleTimeoutMs() * MS;
        net.runUntil(3 * idle);
        assertThat(net.a.isClosed()).as("an idle link with keep-alives").isFalse();
        assertThat(net.b.isClosed()).isFalse();

        net.cut = true; // b's datagrams no longer reach a, nor a's b
        net.runUntil(3 * idle + idle + 100 * MS);
        assertThat(net.a.isClosed()).isTrue();
        assertThat(net.a.closedReason()).isEqualTo("nothing received for " + CONFIG.idleTimeoutMs() + " ms");
        net.discardInTransit();
    }

    @Test
    void aFragmentOfTheWrongSizeClosesTheLinkWithAClearReason() {
        Net net = new Net(4, 0.0, 1 * MS, 0);
        ByteBuf bad = UnpooledByteBufAllocator.DEFAULT.buffer();
        // packet 0, a 5,000-byte message whose first fragment carries 10 bytes instead of 1,200
        bad.writeInt(0).writeInt(0).writeInt(0).writeInt(0).writeInt(0).writeShort(0).writeMedium(5_000).writeZero(10);
        net.b.onData(bad, 0);
        bad.release();
        assertThat(net.b.isClosed()).isTrue();
        assertThat(net.b.closedReason()).startsWith("bad datagram: fragment 0 of a 5000-byte message carries 10 bytes");
        net.runUntil(1_000 * MS); // the peer reads what was sent (the CLOSE)
        net.discardInTransit();
    }

    @Test
    void anAcknowledgementOfPacketsNeverSentClosesTheLink() {
        Net net = new Net(5, 0.0, 1 * MS, 0);
        ByteBuf ack = UnpooledByteBufAllocator.DEFAULT.buffer();
        ack.writeInt(1_000).writeInt(0).writeInt(1_000).writeByte(0);
        net.a.onAck(ack, 0);
        ack.release();
        assertThat(net.a.closedReason()).isEqualTo("bad datagram: acknowledges a packet never sent");
        net.runUntil(1_000 * MS); // the peer reads what was sent (the CLOSE)
        net.discardInTransit();
    }

    @Test
    void reassemblyHoldsNoMoreThanItsLimitWhateverThePeerSends() {
        Net net = new Net(6, 0.0, 1 * MS, 0);
        // A peer that starts many 1 MiB messages (never the one due next) and never finishes them.
        int length = 1 << 20;
        for (int m = 1; m < 100; m++) {
            ByteBuf d = UnpooledByteBufAllocator.DEFAULT.buffer();
            d.writeInt(m).writeInt(0).writeInt(0).writeInt(0).writeInt(m).writeShort(0).writeMedium(length)
                    .writeZero(UdpWire.MAX_FRAGMENT);
            net.b.onData(d, 0);
            d.release();
        }
        assertThat(net.b.isClosed()).isFalse();
        assertThat(net.b.reassemblyBytes()).isPositive().isLessThanOrEqualTo(CONFIG.maxReassemblyBytes());
        net.runUntil(1_000 * MS); // the peer reads what was sent (the CLOSE)
        net.discardInTransit();
    }

    /** Two links, a virtual clock and a network between them. */
    private static final class Net {
        final UdpStats.Counters counters = new UdpStats.Counters();
        final List<byte[][]> toB = new ArrayList<>();
        UdpLink a;
        UdpLink b;
        final SplittableRandom random;
        final double loss;
        final long delayNs;
        final long jitterNs;
        final PriorityQueue<Event> events = new PriorityQueue<>();
        final java.util.Set<ByteBuf> inTransit = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long now;
        long seq;
        boolean cut;

        Net(long seed, double loss, long delayNs, long jitterNs) {
            this.random = new SplittableRandom(seed);
            this.loss = loss;
            this.delayNs = delayNs;
            this.jitterNs = jitterNs;
            this.a = new UdpLink(UnpooledByteBufAllocator.DEFAULT, 2, output(() -> this.b, null), CONFIG, counters, 0);
            this.b = new UdpLink(UnpooledByteBufAllocator.DEFAULT, 1, output(() -> this.a, toB), CONFIG,
                    new UdpStats.Counters(), 0);
            tick(10 * MS);
        }

        private UdpLink.Output output(java.util.function.Supplier<UdpLink> peer, List<byte[][]> frames) {
            return new UdpLink.Output() {
                @Override
                public void datagram(ByteBuf d) {
                    if (cut || random.nextDouble() < loss) {
                        d.release();
                        return;
                    }
                    long delay = delayNs + (jitterNs == 0 ? 0 : random.nextLong(jitterNs));
                    inTransit.add(d);
                    at(now + delay, () -> {
                        inTransit.remove(d);
                        UdpLink to = peer.get();
                        byte type = d.getByte(2);
                        d.skipBytes(7);
                        switch (type) {
                            case UdpWire.DATA -> to.onData(d, now);
                            case UdpWire.ACK -> to.onAck(d, now);
                            case UdpWire.CLOSE -> to.onClose(d);
                            default -> throw new AssertionError("type " + type);
                        }
                        d.release();
                        to.flush(now); // as the transport does after a batch of reads
                    });
                }

                @Override
                public void frame(byte[] header, Payload payload) {
                    if (frames != null) {
                        frames.add(new byte[][] {header, payload.toByteArray()});
                    }
                    payload.release();
                }

                @Override
                public void writabilityChanged(boolean writable) {
                }
            };
        }

        private void tick(long at) {
            at(at, () -> {
                a.tick(now);
                b.tick(now);
                tick(now + 10 * MS);
            });
        }

        void at(long timeNs, Runnable task) {
            events.add(new Event(timeNs, seq++, () -> {
                task.run();
                a.flush(now);
            }));
        }

        void runUntil(long endNs) {
            while (!events.isEmpty() && events.peek().timeNs <= endNs) {
                Event e = events.poll();
                now = e.timeNs;
                e.task.run();
            }
            now = endNs;
        }

        /** Drops what is still on the wire, so the leak detector sees only the links' own leaks. */
        void discardInTransit() {
            inTransit.forEach(ByteBuf::release);
            inTransit.clear();
        }

        private record Event(long timeNs, long seq, Runnable task) implements Comparable<Event> {
            @Override
            public int compareTo(Event o) {
                return timeNs != o.timeNs ? Long.compare(timeNs, o.timeNs) : Long.compare(seq, o.seq);
            }
        }
    }
}
