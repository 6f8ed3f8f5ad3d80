package dev.starling.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChannelLinkTest {

    private static final ChannelId ID = ChannelId.of(
            HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    private static final String ID_TEXT = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkencvii";
    private static final String BASE = "starling:" + ID_TEXT;

    @Test
    void bareLinkIsPrefixAndChannelId() {
        ChannelLink link = ChannelLink.of(ID);
        assertThat(link.toText()).isEqualTo(BASE);
        assertThat(link.toString()).isEqualTo(BASE);
        assertThat(link.peers()).isEmpty();
        assertThat(link.trackers()).isEmpty();
        assertThat(ChannelLink.parse(BASE)).isEqualTo(link);
    }

    @Test
    void fullLinkHasTheDocumentedTextAndRoundTrips() throws Exception {
        ChannelLink link = ChannelLink.of(ID)
                .withPeer(new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 7}), 7000))
                .withPeer(new InetSocketAddress(InetAddress.getByAddress(
                        HexFormat.of().parseHex("20010db8000000000000000000000001")), 7001))
                .withPeer(InetSocketAddress.createUnresolved("peer.example.org", 65535))
                .withTracker(URI.create("udp://tracker.example.org:6969/announce"))
                .withTracker(URI.create("https://t.example.net/announce?key=a+b&x=%2F"));
        String expected = BASE + "?peer=203.0.113.7:7000&peer=[2001:db8::1]:7001&peer=peer.example.org:65535"
                + "&tracker=udp%3A%2F%2Ftracker.example.org%3A6969%2Fannounce"
                + "&tracker=https%3A%2F%2Ft.example.net%2Fannounce%3Fkey%3Da%2Bb%26x%3D%252F";
        assertThat(link.toText()).isEqualTo(expected);
        ChannelLink parsed = ChannelLink.parse(expected);
        assertThat(parsed).isEqualTo(link).hasSameHashCodeAs(link);
        assertThat(parsed.toText()).isEqualTo(expected);
        assertThat(parsed.trackers().get(1).getRawQuery()).isEqualTo("key=a+b&x=%2F");
    }

    @Test
    void ipv6IsWrittenInRfc5952Form() throws Exception {
        assertThat(textOf("00000000000000000000000000000001")).isEqualTo("[::1]:7000");
        assertThat(textOf("00000000000000000000000000000000")).isEqualTo("[::]:7000");
        assertThat(textOf("20010db8000000010000000000000000")).isEqualTo("[2001:db8:0:1::]:7000");
        // The first of two equally long runs of zeros is compressed; a single zero group is not.
        assertThat(textOf("20010db8000000000001000000000001")).isEqualTo("[2001:db8::1:0:0:1]:7000");
        assertThat(textOf("20010db8000000010001000100010001")).isEqualTo("[2001:db8:0:1:1:1:1:1]:7000");
        assertThat(textOf("FE800000000000000202B3FFFE1E8329")).isEqualTo("[fe80::202:b3ff:fe1e:8329]:7000");
    }

    private static String textOf(String hex16) throws Exception {
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getByAddress(HexFormat.of().parseHex(hex16)), 7000);
        String text = ChannelLink.of(ID).withPeer(peer).toText();
        assertThat(ChannelLink.parse(text).peers()).containsExactly(peer);
        return text.substring(text.indexOf("peer=") + 5);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[::1]:7000                       | 00000000000000000000000000000001",
            "[::]:1                           | 00000000000000000000000000000000",
            "[1:2:3:4:5:6:7:8]:7000           | 00010002000300040005000600070008",
            "[1::8]:7000                      | 00010000000000000000000000000008",
            "[1:2:3:4:5:6:7::]:7000           | 00010002000300040005000600070000",
            "[::2:3:4:5:6:7:8]:7000           | 00000002000300040005000600070008",
            "[2001:DB8::A]:7000               | 20010db800000000000000000000000a",
            "[::1.2.3.4]:7000                 | 00000000000000000000000001020304",
            "[64:ff9b::192.0.2.33]:7000       | 0064ff9b0000000000000000c0000221",
            "[1:2:3:4:5:6:1.2.3.4]:7000       | 00010002000300040005000601020304",
    })
    void ipv6LiteralsParseWithoutDns(String peer, String hex) {
        InetSocketAddress a = ChannelLink.parse(BASE + "?peer=" + peer).peers().get(0);
        assertThat(a.isUnresolved()).isFalse();
        assertThat(a.getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(HexFormat.of().formatHex(a.getAddress().getAddress())).isEqualTo(hex);
    }

    @Test
    void ipv4MappedIpv6BecomesIpv4() {
        InetSocketAddress a = ChannelLink.parse(BASE + "?peer=[::ffff:10.1.2.3]:7000").peers().get(0);
        assertThat(a.getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(a.getAddress().getHostAddress()).isEqualTo("10.1.2.3");
    }

    @Test
    void ipv4IsResolvedWithoutDnsAndHostNamesStayUnresolved() {
        ChannelLink link = ChannelLink.parse(BASE + "?peer=192.0.2.1:7000&peer=no-such-host.invalid:8000");
        InetSocketAddress ip = link.peers().get(0);
        assertThat(ip.isUnresolved()).isFalse();
        assertThat(ip.getAddress().getAddress()).isEqualTo(new byte[] {(byte) 192, 0, 2, 1});
        assertThat(ip.getHostString()).isEqualTo("192.0.2.1");
        assertThat(ip.getPort()).isEqualTo(7000);
        InetSocketAddress named = link.peers().get(1);
        assertThat(named.isUnresolved()).isTrue();
        assertThat(named.getHostString()).isEqualTo("no-such-host.invalid");
        assertThat(named.getPort()).isEqualTo(8000);
    }

    @Test
    void parameterOrderIsKeptAndPeersComeBeforeTrackersInText() {
        String text = BASE + "?tracker=udp%3A%2F%2Fb.example%3A1&peer=10.0.0.2:2&tracker=http%3A%2F%2Fa.example"
                + "&peer=10.0.0.1:1";
        ChannelLink link = ChannelLink.parse(text);
        assertThat(link.peers()).extracting(InetSocketAddress::getPort).containsExactly(2, 1);
        assertThat(link.trackers()).extracting(URI::getHost).containsExactly("b.example", "a.example");
        assertThat(link.toText()).isEqualTo(BASE + "?peer=10.0.0.2:2&peer=10.0.0.1:1"
                + "&tracker=udp%3A%2F%2Fb.example%3A1&tracker=http%3A%2F%2Fa.example");
        assertThat(ChannelLink.parse(link.toText())).isEqualTo(link);
    }

    @Test
    void parseIsLenientWhereItIsSafe() {
        ChannelLink link = ChannelLink.parse("  STARLING:" + ID_TEXT.toUpperCase()
                + "?PEER=10.0.0.1:7000&Tracker=udp://tracker.example.org:6969/announce&x-future=1&flag\n");
        assertThat(link.channelId()).isEqualTo(ID);
        assertThat(link.peers()).hasSize(1);
        assertThat(link.trackers()).containsExactly(URI.create("udp://tracker.example.org:6969/announce"));
    }

    @Test
    void unknownParametersAreIgnored() {
        // Forward compatibility: names this version does not know are skipped, even with values it could not decode.
        assertThat(ChannelLink.parse(BASE + "?v=2&relay=whatever%ZZ&flag")).isEqualTo(ChannelLink.of(ID));
        assertThat(ChannelLink.parse(BASE + "?v=2&peer=10.0.0.1:1&x=[").peers()).hasSize(1);
    }

    @Test
    void listsAreUnmodifiableAndWithersDoNotChangeTheOriginal() {
        ChannelLink a = ChannelLink.of(ID);
        ChannelLink b = a.withPeer(InetSocketAddress.createUnresolved("x.example", 1));
        ChannelLink c = b.withTracker(URI.create("http://t.example"));
        assertThat(a.peers()).isEmpty();
        assertThat(b.trackers()).isEmpty();
        assertThat(c.peers()).hasSize(1);
        assertThat(c.trackers()).hasSize(1);
        assertThat(a).isNotEqualTo(b);
        assertThat(b).isNotEqualTo(c);
        assertThatThrownBy(() -> c.peers().add(InetSocketAddress.createUnresolved("y.example", 1)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.trackers().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void ofCopiesItsListsAndCanonicalisesPeers() throws Exception {
        List<InetSocketAddress> peers = new java.util.ArrayList<>(List.of(
                InetSocketAddress.createUnresolved("127.0.0.1", 7000),
                InetSocketAddress.createUnresolved("::1", 7001),
                new InetSocketAddress(InetAddress.getByAddress("named.example", new byte[] {10, 0, 0, 1}), 7002)));
        ChannelLink link = ChannelLink.of(ID, peers, List.of());
        peers.clear();
        assertThat(link.peers()).hasSize(3);
        assertThat(link.peers()).allSatisfy(p -> assertThat(p.isUnresolved()).isFalse());
        assertThat(link.toText()).isEqualTo(BASE + "?peer=127.0.0.1:7000&peer=[::1]:7001&peer=10.0.0.1:7002");
        assertThat(ChannelLink.parse(link.toText())).isEqualTo(link);
    }

    @Test
    void ofRejectsBadPeersAndTrackers() throws Exception {
        assertThatThrownBy(() -> ChannelLink.of(ID).withPeer(InetSocketAddress.createUnresolved("a.example", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("peer 'a.example:0' has port 0, outside 1..65535");
        assertThatThrownBy(() -> ChannelLink.of(ID).withPeer(InetSocketAddress.createUnresolved("a b", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("peer 'a b:1' has an invalid host name 'a b'");
        Inet6Address scoped = Inet6Address.getByAddress(null,
                HexFormat.of().parseHex("fe800000000000000000000000000001"), 3);
        assertThatThrownBy(() -> ChannelLink.of(ID).withPeer(new InetSocketAddress(scoped, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zone id");
        assertThatThrownBy(() -> ChannelLink.of(ID).withTracker(URI.create("ftp://t.example/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tracker 'ftp://t.example/' has scheme 'ftp': only udp, http and https are allowed");
        assertThatThrownBy(() -> ChannelLink.of(ID).withTracker(URI.create("/announce")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tracker '/announce' is not an absolute URL");
        assertThatThrownBy(() -> ChannelLink.of(ID).withTracker(URI.create("http:opaque")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tracker 'http:opaque' has no host");
        assertThatThrownBy(() -> ChannelLink.of(ID, List.of(), List.of(URI.create("udp://ok.example"), URI.create("x:y"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x:y'");
        assertThatThrownBy(() -> ChannelLink.of(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ChannelLink.of(ID).withPeer(null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // text after "starling:<id>" | expected message
            "?peer=1.2.3.4           | peer '1.2.3.4' has no port",
            "?peer=1.2.3.4:          | peer '1.2.3.4:' has no port",
            "?peer=[::1]             | peer '[::1]' has no port",
            "?peer=[::1              | peer '[::1' has a '[' without a ']'",
            "?peer=[::1]7000         | peer '[::1]7000' must have ':PORT' right after the ']'",
            "?peer=:7000             | peer ':7000' has no host",
            "?peer=1.2.3.4:0         | peer '1.2.3.4:0' has port 0, outside 1..65535",
            "?peer=1.2.3.4:65536     | peer '1.2.3.4:65536' has port 65536, outside 1..65535",
            "?peer=1.2.3.4:99999999999 | peer '1.2.3.4:99999999999' has port 99999999999, outside 1..65535",
            "?peer=1.2.3.4:http      | peer '1.2.3.4:http' has a port that is not a number: 'http'",
            "?peer=1.2.3.4:-1        | peer '1.2.3.4:-1' has a port that is not a number: '-1'",
            "?peer=1.2.3.256:7000    | peer '1.2.3.256:7000' has an invalid IPv4 address '1.2.3.256'",
            "?peer=1.2.3:7000        | peer '1.2.3:7000' has an invalid IPv4 address '1.2.3'",
            "?peer=01.2.3.4:7000     | peer '01.2.3.4:7000' has an invalid IPv4 address '01.2.3.4'",
            "?peer=::1:7000          | peer '::1:7000': an IPv6 address must be in brackets, as in [::1]:7000",
            "?peer=[1::2::3]:7000    | peer '[1::2::3]:7000' has an invalid IPv6 address '1::2::3'",
            "?peer=[1:2:3:4:5:6:7]:7000 | peer '[1:2:3:4:5:6:7]:7000' has an invalid IPv6 address '1:2:3:4:5:6:7'",
            "?peer=[1:2:3:4:5:6:7:8:9]:7000 | peer '[1:2:3:4:5:6:7:8:9]:7000' has an invalid IPv6 address '1:2:3:4:5:6:7:8:9'",
            "?peer=[12345::]:7000    | peer '[12345::]:7000' has an invalid IPv6 address '12345::'",
            "?peer=[g::]:7000        | peer '[g::]:7000' has an invalid IPv6 address 'g::'",
            "?peer=[1.2.3.4]:7000    | peer '[1.2.3.4]:7000' has an invalid IPv6 address '1.2.3.4'",
            "?peer=[fe80::1%25eth0]:7000 | peer '[fe80::1%eth0]:7000' has an IPv6 zone id, which a link cannot carry",
            "?peer=bad_host!:7000    | peer 'bad_host!:7000' has an invalid host name 'bad_host!'",
            "?peer=-x.example:7000   | peer '-x.example:7000' has an invalid host name '-x.example'",
            "?peer=a..b:7000         | peer 'a..b:7000' has an invalid host name 'a..b'",
            "?peer=                  | channel link parameter 'peer' has no value",
            "?peer                   | channel link parameter 'peer' has no value",
            "?tracker=               | channel link parameter 'tracker' has no value",
            "?                       | channel link has an empty parameter (number 1): check for a stray '?' or '&'",
            "?peer=1.2.3.4:1&        | channel link has an empty parameter (number 2): check for a stray '?' or '&'",
            "?peer=1.2.3.4:1&&peer=1.2.3.4:2 | channel link has an empty parameter (number 2): check for a stray '?' or '&'",
            "?=x                     | channel link has a parameter with no name: '=x'",
            "?tracker=ftp%3A%2F%2Ft.example | tracker 'ftp://t.example' has scheme 'ftp': only udp, http and https are allowed",
            "?tracker=tracker.example.org%3A6969 | tracker 'tracker.example.org:6969' has scheme 'tracker.example.org': only udp, http and https are allowed",
            "?tracker=%2Fannounce    | tracker '/announce' is not an absolute URL: it needs a scheme, as in udp://tracker.example.org:6969",
            "?tracker=http%3Aopaque  | tracker 'http:opaque' has no host",
            "?tracker=http%3A%2F%2Fa%20b%2F | tracker 'http://a b/' is not a valid URL: Illegal character in authority at index 7: http://a b/",
            "?tracker=udp%3A%2F%2Fa%2   | channel link parameter 'tracker' has a bad percent escape at character 14 of 'udp%3A%2F%2Fa%2' (a '%' must be followed by two hex digits)",
            "?tracker=udp%3A%2F%2Fa%zz  | channel link parameter 'tracker' has a bad percent escape at character 14 of 'udp%3A%2F%2Fa%zz' (a '%' must be followed by two hex digits)",
            "?tracker=udp%3A%2F%2Fa%FF  | channel link parameter 'tracker' is not UTF-8 once percent-decoded: 'udp%3A%2F%2Fa%FF'",
    })
    void badParametersAreExplained(String suffix, String message) {
        assertThatThrownBy(() -> ChannelLink.parse(BASE + suffix)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void missingPrefixIsExplained() {
        assertThatThrownBy(() -> ChannelLink.parse(ID_TEXT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link must start with 'starling:', got '" + ID_TEXT + "'");
        String longText = "https://example.org/watch?channel=" + ID_TEXT;
        assertThatThrownBy(() -> ChannelLink.parse(longText)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link must start with 'starling:', got '" + longText.substring(0, 57) + "...'");
        assertThatThrownBy(() -> ChannelLink.parse("magnet:?xt=urn:btih:abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link must start with 'starling:', got 'magnet:?xt=urn:btih:abc'");
        assertThatThrownBy(() -> ChannelLink.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link is null");
        assertThatThrownBy(() -> ChannelLink.parse(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link is empty");
    }

    @Test
    void badChannelIdIncludesTheChannelIdReason() {
        assertThatThrownBy(() -> ChannelLink.parse("starling:abc?peer=1.2.3.4:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link has a bad channel id: channel id must be 55 characters, got 3");
        assertThatThrownBy(() -> ChannelLink.parse("starling:"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link has a bad channel id: channel id is empty");
        String mistyped = "starling:3" + ID_TEXT.substring(1);
        assertThatThrownBy(() -> ChannelLink.parse(mistyped)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel link has a bad channel id: channel id checksum does not match: a character is mistyped");
    }
}
