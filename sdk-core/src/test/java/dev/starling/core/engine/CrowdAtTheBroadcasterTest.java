package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.core.wire.CompactAddresses;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A flash crowd dialling a broadcaster on an ordinary uplink. Each dialler it is too full to take used to get a
 * handshake, 50 addresses and a goodbye; with 10,000 of them those refusals queued seconds ahead of the trees'
 * pieces, longer than the viewers' handshake timeout, and the viewers redialled for ever. Now refusals come out of a
 * budget (full, then short, then a close without a word), and a viewer backs off a broadcaster that keeps closing.
 */
class CrowdAtTheBroadcasterTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final long UPLINK_BPS = 8_000_000; // four times the default bitrate
    private static final int NEIGHBOURS = 16; // StreamConfig's default maxPeers
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aCrowdAtOnceCostsTheBroadcasterNoMoreThanItsBudgetForStrangers() {
        EngineHarness b = EngineHarness.broadcaster(keys, UPLINK_BPS);
        int crowd = 3_000;
        crowd(b, crowd, 0);
        long refusedBytes = 0;
        int answered = 0;
        int unanswered = 0;
        for (int i = NEIGHBOURS; i < crowd; i++) {
            List<Control> to = b.sentTo(100 + i);
            if (to.isEmpty()) {
                unanswered++;
                continue;
            }
            answered++;
            assertThat(to).as("a refusal: handshake, addresses, goodbye").hasSize(3);
            assertThat(to.get(0).hasHandshake()).isTrue();
            assertThat(to.get(1).hasPeerExchange()).isTrue();
            assertThat(to.get(2).getGoodbye().getReason()).isEqualTo("full");
            for (Control c : to) {
                refusedBytes += ControlCodec.encode(c).length;
            }
        }
        for (int i = 0; i < NEIGHBOURS; i++) {
            assertThat(b.sentTo(100 + i)).as("kept as a neighbour").noneMatch(Control::hasGoodbye);
        }
        // Half a second of the uplink at most, whatever the size of the crowd.
        assertThat(refusedBytes).isPositive().isLessThanOrEqualTo(UPLINK_BPS / 8 / 2);
        assertThat(answered).isPositive();
        assertThat(unanswered).as("the rest closed without a frame").isEqualTo(crowd - NEIGHBOURS - answered);
        assertThat(b.engine.counters().strangersClosedUnanswered()).isEqualTo(unanswered);
        assertThat(b.disconnects).hasSize(crowd - NEIGHBOURS);
    }

    @Test
    void pastTheFullRefusalsADiallerGetsAShortOneWithAFewAddressesNotTheNeighbours() {
        EngineHarness b = EngineHarness.broadcaster(keys, UPLINK_BPS);
        int crowd = 2_000;
        crowd(b, crowd, 0);
        Set<InetSocketAddress> neighbours = new HashSet<>();
        for (int i = 0; i < NEIGHBOURS; i++) {
            neighbours.add(addr(100 + i));
        }
        // The budget is spent (it refills at a quarter of 1 MB/s, 250 bytes a millisecond). A dialler connects a
        // millisecond later, when a full refusal (600 bytes) cannot be paid; its handshake comes 0.2 ms after, when
        // a short one (250) can.
        long late = 99;
        b.engine.onConnected(late, addr(99), true, MS);
        assertThat(b.sentTo(late)).as("no handshake yet: the broadcaster waits for the dialler's").isEmpty();
        b.control(late, b.handshake(late, addr(99), false, 2_000_000, 1), MS + MS / 5);
        List<Control> to = b.sentTo(late);
        assertThat(to).hasSize(3);
        assertThat(to.get(0).hasHandshake()).isTrue();
        byte[] v4 = to.get(1).getPeerExchange().getIpv4().toByteArray();
        int n = v4.length / CompactAddresses.RECORD_BYTES;
        assertThat(n).isBetween(1, 5);
        for (int i = 0; i < n; i++) {
            int ip = CompactAddresses.ip(v4, i);
            InetSocketAddress a = new InetSocketAddress(ipString(ip), CompactAddresses.port(v4, i));
            assertThat(neighbours).as("a short list names crowd members, not the neighbours everyone dials")
                    .doesNotContain(a);
        }
        assertThat(to.get(2).getGoodbye().getReason()).isEqualTo("full");
    }

    @Test
    void aBroadcasterWithUnlimitedUploadAnswersEveryDiallerInFull() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE);
        int crowd = 1_000;
        crowd(b, crowd, 0);
        for (int i = NEIGHBOURS; i < crowd; i++) {
            List<Control> to = b.sentTo(100 + i);
            assertThat(to).hasSize(3);
            assertThat(to.get(1).getPeerExchange().getIpv4().size() / CompactAddresses.RECORD_BYTES)
                    .isGreaterThan(5);
        }
        assertThat(b.engine.counters().strangersClosedUnanswered()).isZero();
    }

    @Test
    void aHeldDiallerThatComesForTheReserveIsTakenAndGreeted() {
        EngineHarness b = EngineHarness.broadcaster(keys, UPLINK_BPS);
        crowd(b, 2_000, 0);
        long seeker = 99;
        b.engine.onConnected(seeker, addr(99), true, 0);
        assertThat(b.sentTo(seeker)).isEmpty();
        Control hello = b.handshake(seeker, addr(99), false, 2_000_000, 1);
        b.control(seeker, hello.toBuilder().setHandshake(hello.getHandshake().toBuilder().setSeeksReserve(true))
                .build(), 0);
        List<Control> to = b.sentTo(seeker);
        assertThat(to).isNotEmpty();
        assertThat(to.get(0).hasHandshake()).as("its handshake goes first").isTrue();
        assertThat(to).noneMatch(Control::hasGoodbye);
    }

    @Test
    void aViewerBacksOffABroadcasterThatClosesWithoutAWord() {
        EngineHarness v = new EngineHarness(keys);
        InetSocketAddress broadcaster = addr(1);
        v.engine.addBootstrap(List.of(broadcaster));
        // Each time it dials, the broadcaster accepts the connection and closes it at once.
        long[] waitedNs = failLikeThis(v, broadcaster, 4, (conn, nowNs) -> {
            v.engine.onConnected(conn, broadcaster, false, nowNs);
            v.engine.onDisconnected(conn, nowNs);
        });
        assertThat(waitedNs[1]).as("one failure is retried as before, at the next round").isLessThanOrEqualTo(300 * MS);
        assertThat(waitedNs[2]).as("the second in a row: 2 s, times 0.5-1.5").isGreaterThanOrEqualTo(S)
                .isLessThanOrEqualTo(3 * S + 300 * MS);
        assertThat(waitedNs[3]).as("the third: 4 s, times 0.5-1.5").isGreaterThanOrEqualTo(2 * S)
                .isLessThanOrEqualTo(6 * S + 300 * MS);
    }

    @Test
    void aHandshakeWithTheBroadcasterEndsTheBackoff() {
        EngineHarness v = new EngineHarness(keys);
        InetSocketAddress broadcaster = addr(1);
        v.engine.addBootstrap(List.of(broadcaster));
        long nowNs = 0;
        long conn = 500;
        for (int failures = 0; failures < 2; failures++) {
            nowNs = nextDialNs(v, nowNs, 120 * S);
            v.engine.onConnected(conn, broadcaster, false, nowNs);
            v.engine.onDisconnected(conn++, nowNs);
            nowNs += 50 * MS;
        }
        // Backing off now; when it dials again, the broadcaster answers, then the link drops after a handshake.
        nowNs = nextDialNs(v, nowNs, 120 * S);
        v.engine.onConnected(conn, broadcaster, false, nowNs);
        v.control(conn, v.handshake(conn, broadcaster, true, UPLINK_BPS, 0), nowNs);
        long droppedAtNs = nowNs + 10 * MS;
        v.engine.onDisconnected(conn, droppedAtNs);
        // That was no failure, and the handshake ended the run of them: lost again, it dials at once.
        long redialAtNs = nextDialNs(v, droppedAtNs, droppedAtNs + 2 * S);
        assertThat(redialAtNs).as("it dialled again within 2 s").isNotNegative();
        assertThat(redialAtNs - droppedAtNs).as("lost, it dials again at once").isLessThanOrEqualTo(300 * MS);
    }

    @Test
    void aHeldDiallerThatUploadsMoreTakesAWeakerNeighboursPlaceAndIsGreetedFirst() {
        EngineHarness b = EngineHarness.broadcaster(keys, UPLINK_BPS);
        crowd(b, 2_000, 0);
        long strong = 99;
        b.engine.onConnected(strong, addr(99), true, 0);
        assertThat(b.sentTo(strong)).isEmpty();
        b.control(strong, b.handshake(strong, addr(99), false, 20_000_000, 1), 0);
        List<Control> to = b.sentTo(strong);
        assertThat(to).isNotEmpty();
        assertThat(to.get(0).hasHandshake()).isTrue();
        assertThat(to).noneMatch(Control::hasGoodbye);
        assertThat(b.engine.counters().neighboursReplacedByStronger()).isEqualTo(1);
    }

    @Test
    void aProtocolErrorFromTheBootstrapIsNoSignThatItIsBusy() {
        EngineHarness v = new EngineHarness(keys);
        InetSocketAddress broadcaster = addr(1);
        v.engine.addBootstrap(List.of(broadcaster));
        long[] waitedNs = failLikeThis(v, broadcaster, 4, (conn, nowNs) -> {
            v.engine.onConnected(conn, broadcaster, false, nowNs);
            // Something other than a handshake first (a lost handshake frame, in the simulator): dropped for it.
            v.control(conn, Control.newBuilder().setGoodbye(
                    dev.starling.core.wire.proto.Goodbye.newBuilder().setReason("full")).build(), nowNs);
        });
        for (int i = 1; i < waitedNs.length; i++) {
            assertThat(waitedNs[i]).as("redial %d", i).isLessThanOrEqualTo(300 * MS);
        }
    }

    @Test
    void failedConnectsToTheBootstrapBackOffToo() {
        EngineHarness v = new EngineHarness(keys);
        InetSocketAddress broadcaster = addr(1);
        v.engine.addBootstrap(List.of(broadcaster));
        long[] waitedNs = failLikeThis(v, broadcaster, 3, (conn, nowNs) -> v.engine.onConnectFailed(broadcaster, nowNs));
        assertThat(waitedNs[1]).isLessThanOrEqualTo(300 * MS);
        assertThat(waitedNs[2]).isGreaterThanOrEqualTo(S);
    }

    @Test
    void twoBootstrapAddressesFailingInOneRoundAreOneFailure() {
        EngineHarness v = new EngineHarness(keys);
        InetSocketAddress first = addr(1);
        InetSocketAddress second = addr(2);
        v.engine.addBootstrap(List.of(first, second));
        v.engine.onTimer(0);
        assertThat(v.dialled).containsExactly(first, second);
        v.engine.onConnectFailed(first, 10 * MS);
        v.engine.onConnectFailed(second, 10 * MS);
        long nowNs = 10 * MS;
        while (v.dialled.size() == 2 && nowNs < 5 * S) {
            nowNs += 50 * MS;
            v.engine.onTimer(nowNs);
        }
        assertThat(nowNs).as("one failure: retried at the next round").isLessThanOrEqualTo(300 * MS);
    }

    /**
     * Lets the viewer dial its bootstrap address {@code failures} times, failing each dial as {@code fail} does at
     * once; returns how long each redial waited after the failure before it (index 0 unused).
     */
    private static long[] failLikeThis(EngineHarness v, InetSocketAddress bootstrap, int failures,
                                       java.util.function.ObjLongConsumer<Long> fail) {
        long[] waitedNs = new long[failures];
        long failedAtNs = 0;
        for (int n = 0; n < failures; n++) {
            long dialNs = nextDialNs(v, n == 0 ? 0 : failedAtNs + 50 * MS, 120 * S);
            assertThat(dialNs).as("dial %d", n).isNotNegative();
            assertThat(v.dialled.get(v.dialled.size() - 1)).isEqualTo(bootstrap);
            if (n > 0) {
                waitedNs[n] = dialNs - failedAtNs;
            }
            fail.accept(500L + n, dialNs);
            failedAtNs = dialNs;
        }
        return waitedNs;
    }

    /** Ticks the engine every 50 ms from {@code fromNs}: the time of its first dial, or -1 if none before the limit. */
    private static long nextDialNs(EngineHarness v, long fromNs, long limitNs) {
        for (long nowNs = fromNs; nowNs < limitNs; nowNs += 50 * MS) {
            int dialled = v.dialled.size();
            v.engine.onTimer(nowNs);
            if (v.dialled.size() > dialled) {
                return nowNs;
            }
        }
        return -1;
    }

    private static InetSocketAddress addr(int i) {
        // Each in its own /24: the candidate pool passes on few addresses of one subnet.
        return new InetSocketAddress("10." + (i >> 8 & 255) + "." + (i & 255) + ".1", 7000);
    }

    private static String ipString(int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 255) + "." + (ip >>> 8 & 255) + "." + (ip & 255);
    }

    /** Diallers 100, 101, ... connect and greet at {@code nowNs}; those turned away are gone, as a node reports. */
    private static void crowd(EngineHarness b, int n, long nowNs) {
        for (int i = 0; i < n; i++) {
            int closed = b.disconnects.size();
            b.connectPeer(100 + i, addr(100 + i), true, false, nowNs, 2_000_000, i % 4);
            if (b.disconnects.size() > closed) {
                b.engine.onDisconnected(100 + i, nowNs);
            }
        }
    }
}
