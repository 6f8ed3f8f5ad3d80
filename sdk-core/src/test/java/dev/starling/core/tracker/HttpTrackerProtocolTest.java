package dev.starling.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** HTTP announce replies as trackers send them (recorded shapes, including IPv6 ones opentracker cannot send). */
class HttpTrackerProtocolTest {
    static final long S = 1_000_000_000L;

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void compactIpv4AndIpv6Peers() throws Exception {
        byte[] peers = CompactPeers.encode(java.util.List.of(new InetSocketAddress("127.0.0.1", 5000),
                new InetSocketAddress("10.0.0.2", 80)), 4);
        byte[] peers6 = CompactPeers.encode(java.util.List.of(new InetSocketAddress("2001:db8::1", 8080)), 16);
        java.util.Map<String, Object> reply = new java.util.TreeMap<>();
        reply.put("interval", 1800L);
        reply.put("peers", peers);
        reply.put("peers6", peers6);
        byte[] body = TrackerDecoderProperties.encode(reply);
        assertThat(peers).hasSize(12);
        assertThat(peers6).hasSize(18);
        AnnounceReply parsed = HttpTrackerProtocol.parseReply(body);
        assertThat(parsed.intervalS()).isEqualTo(1800);
        assertThat(parsed.peers()).containsExactly(new InetSocketAddress("127.0.0.1", 5000),
                new InetSocketAddress("2001:db8::1", 8080));
        assertThat(parsed.peersIgnored()).as("port 80").isEqualTo(1);
    }

    @Test
    void theOldDictionaryFormIsReadForNumericAddressesOnly() throws Exception {
        byte[] body = ascii("d8:intervali60e5:peersld2:ip9:10.0.0.204:porti6881eed2:ip11:example.org4:porti6881eeee");
        AnnounceReply reply = HttpTrackerProtocol.parseReply(body);
        assertThat(reply.peers()).containsExactly(new InetSocketAddress("10.0.0.20", 6881));
        assertThat(reply.peersIgnored()).as("a host name is never resolved").isEqualTo(1);
    }

    @Test
    void aFailureReasonIsARefusalWithTheTrackersWords() {
        String reason = "Requested download is not authorized for use with this tracker.";
        byte[] body = ascii("d14:failure reason" + reason.length() + ":" + reason + "e");
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(body)).isInstanceOfSatisfying(TrackerReplyException.class,
                e -> assertThat(e.isRefusal()).isTrue()).hasMessageContaining("not authorized");
    }

    @Test
    void malformedRepliesAreRefusedWithAReason() {
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(ascii("<html>502 Bad Gateway</html>")))
                .hasMessageContaining("unexpected byte");
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(ascii("d5:peers0:e"))).hasMessageContaining("interval");
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(ascii("d8:intervali60e5:peers5:abcdee")))
                .hasMessageContaining("not a multiple of 6");
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(ascii("d8:intervali60e6:peers67:abcdefge")))
                .hasMessageContaining("not a multiple of 18");
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(ascii("d8:intervali60e5:peers999999:e")))
                .hasMessageContaining("999999 bytes");
        assertThatThrownBy(() -> HttpTrackerProtocol.parseReply(new byte[HttpTrackerProtocol.MAX_REPLY_BYTES + 1]))
                .hasMessageContaining("exceeds the maximum");
        assertThatThrownBy(() -> Bencode.decode(ascii("l".repeat(40) + "e".repeat(40)), 1000))
                .hasMessageContaining("nested deeper");
    }

    @Test
    void intervalsAreClampedSoATrackerCannotMakeUsHammerIt() throws Exception {
        assertThat(HttpTrackerProtocol.parseReply(ascii("d8:intervali1ee")).intervalS()).isEqualTo(30);
        assertThat(HttpTrackerProtocol.parseReply(ascii("d8:intervali999999ee")).intervalS()).isEqualTo(3600);
    }

    @Test
    void theQueryPercentEncodesBinaryFields() {
        byte[] hash = new byte[20];
        hash[0] = (byte) 0xAB;
        hash[1] = 'z';
        String q = HttpTrackerProtocol.announceQuery(hash, "-ST0001-abcdefghijkl".getBytes(StandardCharsets.US_ASCII),
                40_000, "started", 50);
        assertThat(q).startsWith("info_hash=%ABz%00%00").contains("&peer_id=-ST0001-abcdefghijkl&port=40000")
                .contains("&compact=1").endsWith("&event=started");
    }

    @Test
    void httpSessionAnnouncesStartedThenAtTheIntervalAndBacksOffOnFailure() throws Exception {
        HttpTrackerSession s = new HttpTrackerSession(new byte[20], new byte[20], 4000, 10 * S, 0);
        assertThat(s.poll(0)).contains("event=started");
        assertThat(s.poll(0)).as("one request in flight").isNull();
        s.onFailure(0);
        assertThat(s.poll(10 * S - 1)).isNull();
        assertThat(s.poll(10 * S)).contains("event=started");
        s.onFailure(10 * S);
        assertThat(s.nextWakeNs()).isEqualTo(30 * S); // 10 s, then 20 s
        s.poll(30 * S);
        s.onReply(ascii("d8:intervali60e5:peers0:e"), 30 * S);
        String regular = s.poll(90 * S);
        assertThat(regular).doesNotContain("event=");
        s.onReply(ascii("d8:intervali60e5:peers0:e"), 90 * S);
        assertThat(s.stop()).contains("event=stopped");
        assertThat(s.poll(10_000 * S)).isNull();
    }
}
