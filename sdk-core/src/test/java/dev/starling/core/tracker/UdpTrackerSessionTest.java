package dev.starling.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** BEP 15 client behaviour in virtual time: no sockets, no sleeps. */
class UdpTrackerSessionTest {
    static final long S = 1_000_000_000L;
    static final long BASE = 15 * S;
    final byte[] infoHash = new byte[20];
    final byte[] peerId = "-ST0001-abcdefghijkl".getBytes(StandardCharsets.US_ASCII);

    UdpTrackerSession session(long nowNs) {
        return new UdpTrackerSession(infoHash, peerId, 40_000, 4, BASE, 7, nowNs);
    }

    static int tx(byte[] request) {
        return ByteBuffer.wrap(request).getInt(12);
    }

    static byte[] connectReply(byte[] connect, long connectionId) {
        return ByteBuffer.allocate(16).putInt(0).putInt(tx(connect)).putLong(connectionId).array();
    }

    static byte[] announceReply(byte[] announce, int intervalS, byte[]... peers) {
        ByteBuffer b = ByteBuffer.allocate(20 + 6 * peers.length).putInt(1).putInt(tx(announce)).putInt(intervalS)
                .putInt(0).putInt(peers.length);
        for (byte[] p : peers) {
            b.put(p);
        }
        return b.array();
    }

    static byte[] peer(int a, int b, int c, int d, int port) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d, (byte) (port >>> 8), (byte) port};
    }

    @Test
    void connectsThenAnnouncesStartedThenRegularAtTheTrackersInterval() throws Exception {
        UdpTrackerSession s = session(0);
        byte[] connect = s.poll(0);
        assertThat(connect).hasSize(16);
        assertThat(ByteBuffer.wrap(connect).getLong()).isEqualTo(UdpTrackerSession.PROTOCOL_ID);
        assertThat(s.onDatagram(connectReply(connect, 0xC0FFEEL), S)).isNull();
        byte[] announce = s.poll(S);
        assertThat(announce).hasSize(98);
        ByteBuffer a = ByteBuffer.wrap(announce);
        assertThat(a.getLong(0)).isEqualTo(0xC0FFEEL);
        assertThat(a.getInt(8)).isEqualTo(1);
        assertThat(a.getInt(80)).as("event started").isEqualTo(2);
        assertThat(a.getShort(96) & 0xFFFF).isEqualTo(40_000);
        AnnounceReply reply = s.onDatagram(announceReply(announce, 120, peer(10, 0, 0, 1, 5000),
                peer(10, 0, 0, 2, 80)), 2 * S);
        assertThat(reply.peers()).containsExactly(new InetSocketAddress("10.0.0.1", 5000));
        assertThat(reply.peersIgnored()).as("port 80 is below 1024").isEqualTo(1);
        assertThat(reply.intervalS()).isEqualTo(120);
        assertThat(s.nextWakeNs()).isEqualTo(122 * S);
        assertThat(s.poll(121 * S)).isNull();
        // The connection id is older than 60 s by then: connect again before announcing.
        byte[] again = s.poll(122 * S);
        assertThat(again).hasSize(16);
        s.onDatagram(connectReply(again, 0xBEEFL), 122 * S);
        byte[] regular = s.poll(122 * S);
        assertThat(ByteBuffer.wrap(regular).getInt(80)).as("event none").isZero();
        assertThat(ByteBuffer.wrap(regular).getLong(0)).isEqualTo(0xBEEFL);
    }

    @Test
    void aConnectionIdIsReusedWithinSixtySeconds() throws Exception {
        UdpTrackerSession s = session(0);
        byte[] connect = s.poll(0);
        s.onDatagram(connectReply(connect, 5), 0);
        byte[] first = s.poll(0);
        s.onDatagram(announceReply(first, 30), 0);
        byte[] second = s.poll(30 * S);
        assertThat(second).as("no new connect at 30 s").hasSize(98);
        assertThat(ByteBuffer.wrap(second).getLong(0)).isEqualTo(5);
    }

    @Test
    void repliesToOtherTransactionsOrActionsAreRefused() throws Exception {
        UdpTrackerSession s = session(0);
        byte[] connect = s.poll(0);
        byte[] wrongTx = ByteBuffer.allocate(16).putInt(0).putInt(tx(connect) + 1).putLong(9).array();
        assertThatThrownBy(() -> s.onDatagram(wrongTx, 0)).isInstanceOf(TrackerReplyException.class)
                .hasMessageContaining("transaction id");
        byte[] wrongAction = ByteBuffer.allocate(20).putInt(1).putInt(tx(connect)).putInt(60).putInt(0).putInt(0).array();
        assertThatThrownBy(() -> s.onDatagram(wrongAction, 0)).hasMessageContaining("action 1");
        s.onDatagram(connectReply(connect, 9), 0);
        assertThatThrownBy(() -> s.onDatagram(connectReply(connect, 9), 0)).as("a replay")
                .hasMessageContaining("transaction id");
    }

    @Test
    void aPeerListThatIsNotWholeEntriesIsRefused() throws Exception {
        UdpTrackerSession s = session(0);
        byte[] connect = s.poll(0);
        s.onDatagram(connectReply(connect, 1), 0);
        byte[] announce = s.poll(0);
        byte[] reply = announceReply(announce, 60, peer(1, 2, 3, 4, 5000));
        byte[] truncated = java.util.Arrays.copyOf(reply, reply.length - 1);
        assertThatThrownBy(() -> s.onDatagram(truncated, 0)).hasMessageContaining("not a multiple of 6");
    }

    @Test
    void theTrackersErrorIsARefusalAndBacksOff() throws Exception {
        UdpTrackerSession s = session(0);
        byte[] connect = s.poll(0);
        s.onDatagram(connectReply(connect, 1), 0);
        byte[] announce = s.poll(0);
        byte[] error = ByteBuffer.allocate(8 + 22).putInt(3).putInt(tx(announce))
                .put("Requested download is ".getBytes(StandardCharsets.US_ASCII)).array();
        assertThatThrownBy(() -> s.onDatagram(error, 0)).isInstanceOfSatisfying(TrackerReplyException.class,
                e -> assertThat(e.isRefusal()).isTrue()).hasMessageContaining("Requested download");
        assertThat(s.poll(BASE - 1)).isNull();
        assertThat(s.poll(BASE)).isNotNull();
    }

    @Test
    void anAbsentTrackerIsAskedAtDoublingIntervalsAndUsedAgainWhenItReturns() throws Exception {
        UdpTrackerSession s = session(0);
        long now = 0;
        long[] sentAt = new long[6];
        for (int i = 0; i < sentAt.length; i++) {
            now = Math.max(now, s.nextWakeNs());
            byte[] request = s.poll(now);
            assertThat(request).as("a connect at attempt " + i).hasSize(16);
            sentAt[i] = now;
        }
        for (int i = 1; i < sentAt.length; i++) {
            assertThat(sentAt[i] - sentAt[i - 1]).isEqualTo(BASE << (i - 1)); // 15, 30, 60, 120, 240 s
        }
        // The tracker is back: its answer to the outstanding request is taken at once.
        byte[] retry = s.poll(s.nextWakeNs());
        s.onDatagram(connectReply(retry, 3), s.nextWakeNs() - 1);
        byte[] announce = s.poll(s.nextWakeNs());
        assertThat(s.onDatagram(announceReply(announce, 60, peer(10, 0, 0, 9, 6000)), 0).peers()).hasSize(1);
        assertThat(s.announced()).isTrue();
    }

    @Test
    void stopSendsStoppedOnlyIfTheTrackerListedUs() throws Exception {
        UdpTrackerSession never = session(0);
        never.poll(0);
        assertThat(never.stop(0)).isNull();
        UdpTrackerSession s = session(0);
        byte[] connect = s.poll(0);
        s.onDatagram(connectReply(connect, 4), 0);
        s.onDatagram(announceReply(s.poll(0), 60), 0);
        byte[] stopped = s.stop(S);
        assertThat(ByteBuffer.wrap(stopped).getInt(80)).isEqualTo(3);
        assertThat(s.poll(1000 * S)).isNull();
        assertThat(s.nextWakeNs()).isEqualTo(Long.MAX_VALUE);
    }
}
