package dev.starling.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the channel id and link text forms.
 *
 * <p><b>About the checksum.</b> A channel id's text carries a 16-bit checksum. A substitution in the last four
 * characters (positions 52..55) only touches checksum or padding bits and is always rejected. A substitution in
 * positions 1..51 changes the key, and is accepted exactly when the changed key's checksum happens to equal the
 * old one: about 1 in 2^16 = 65,536 such substitutions (a search found real examples; see
 * {@code ChannelIdTest#aRareSubstitutionCanCollideWithTheSixteenBitChecksum}). So "every substitution is rejected"
 * is not literally true; the properties below assert it exactly where it holds, and elsewhere with a tolerance far
 * above the 2^-16 rate and far below what any broken checksum would give.
 */
class ChannelTextProperties {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    @Property
    void channelIdsRoundTripThroughText(@ForAll @Size(32) byte[] key) {
        ChannelId id = ChannelId.of(key);
        String text = id.toText();
        assertThat(text).hasSize(55).matches("[a-z2-7]+");
        assertThat(ChannelId.parse(text)).isEqualTo(id);
        assertThat(ChannelId.parse(text.toUpperCase(Locale.ROOT))).isEqualTo(id);
        assertThat(ChannelId.parse(text).publicKey()).isEqualTo(key);
    }

    @Property
    void linksRoundTripThroughText(@ForAll("links") ChannelLink link) {
        String text = link.toText();
        ChannelLink parsed = ChannelLink.parse(text);
        assertThat(parsed).isEqualTo(link);
        assertThat(parsed.toText()).isEqualTo(text);
        assertThat(parsed.peers()).hasSameSizeAs(link.peers());
        assertThat(parsed.trackers()).hasSameSizeAs(link.trackers());
        // Nothing in the text may break the parameter syntax: exactly one '?' when there are parameters.
        int params = link.peers().size() + link.trackers().size();
        assertThat(text.chars().filter(c -> c == '?').count()).isEqualTo(params == 0 ? 0 : 1);
        assertThat(text.chars().filter(c -> c == '&').count()).isEqualTo(Math.max(0, params - 1));
        Statistics.label("peers").collect(link.peers().size());
        Statistics.label("trackers").collect(link.trackers().size());
    }

    /**
     * Any one character replaced by another character of the alphabet is rejected, except for a rare checksum
     * collision, which can happen only in positions 1..51 and must stay rare (measured rate about 1.5e-5).
     */
    @Property(tries = 2000)
    void aSingleSubstitutionIsRejected(@ForAll @Size(32) byte[] key, @ForAll @IntRange(min = 0, max = 54) int position,
                                       @ForAll @IntRange(min = 1, max = 31) int shift, @ForAll boolean upperCase) {
        String text = ChannelId.of(key).toText();
        char replacement = ALPHABET.charAt((ALPHABET.indexOf(text.charAt(position)) + shift) % 32);
        if (upperCase) replacement = Character.toUpperCase(replacement);
        String mistyped = text.substring(0, position) + replacement + text.substring(position + 1);
        boolean accepted;
        try {
            ChannelId other = ChannelId.parse(mistyped);
            accepted = true;
            // Only a genuine collision may get through: a different key, changed in a key-carrying position.
            assertThat(position).isLessThan(51);
            assertThat(other).isNotEqualTo(ChannelId.of(key));
        } catch (IllegalArgumentException e) {
            accepted = false;
            assertThat(e.getMessage()).contains("mistyped");
        }
        Statistics.label("accepted").collect(accepted);
        Statistics.label("accepted").coverage(c -> c.check(true).percentage(p -> p <= 0.5));
    }

    @Example
    void everySubstitutionOfEveryPositionForManyKeys() {
        // Exhaustive over positions and replacement characters for 120 fixed keys: 120 * 55 * 31 = 204,600 texts.
        Random random = new Random(20260101);
        int tried = 0;
        int accepted = 0;
        for (int k = 0; k < 120; k++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            String text = ChannelId.of(key).toText();
            for (int pos = 0; pos < 55; pos++) {
                for (int v = 0; v < 32; v++) {
                    char c = ALPHABET.charAt(v);
                    if (c == text.charAt(pos)) continue;
                    String mistyped = text.substring(0, pos) + c + text.substring(pos + 1);
                    tried++;
                    if (pos >= 51) {
                        int p = pos;
                        assertThatThrownBy(() -> ChannelId.parse(mistyped)).as("position %d", p + 1)
                                .isInstanceOf(IllegalArgumentException.class);
                        continue;
                    }
                    try {
                        ChannelId.parse(mistyped);
                        accepted++;
                    } catch (IllegalArgumentException expected) {
                        // the usual case
                    }
                }
            }
        }
        assertThat(tried).isEqualTo(120 * 55 * 31);
        // Expected about 204,600 * 51/55 / 65,536 = 2.9 collisions; a broken checksum would let thousands through.
        assertThat(accepted).isLessThanOrEqualTo(15);
    }

    @Property
    void anyTextIsEitherRejectedWithAMessageOrRoundTrips(@ForAll @Size(max = 70) String text) {
        try {
            ChannelId id = ChannelId.parse(text);
            assertThat(id.toText()).isEqualToIgnoringCase(text.strip());
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("channel id ");
        }
    }

    // ---- generators ----

    @Provide
    Arbitrary<ChannelLink> links() {
        Arbitrary<ChannelId> ids = Arbitraries.bytes().array(byte[].class).ofSize(32).map(ChannelId::of);
        Arbitrary<List<InetSocketAddress>> peers = peers().list().ofMinSize(0).ofMaxSize(5);
        Arbitrary<List<URI>> trackers = trackers().list().ofMinSize(0).ofMaxSize(3);
        return Combinators.combine(ids, peers, trackers).as(ChannelLink::of);
    }

    private static Arbitrary<InetSocketAddress> peers() {
        Arbitrary<Integer> ports = Arbitraries.integers().between(1, 65535).edgeCases(c -> c.includeOnly(1, 65535));
        Arbitrary<byte[]> ipv4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        // IPv6 groups: mostly zero, to exercise "::" compression, else any value.
        Arbitrary<byte[]> ipv6 = Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 0xffff)))
                .list().ofSize(8).map(groups -> {
                    byte[] out = new byte[16];
                    for (int i = 0; i < 8; i++) {
                        out[2 * i] = (byte) (groups.get(i) >>> 8);
                        out[2 * i + 1] = (byte) (int) groups.get(i);
                    }
                    return out;
                });
        Arbitrary<InetAddress> addresses = Arbitraries.oneOf(ipv4, ipv6).map(ChannelTextProperties::byAddress);
        return Combinators.combine(addresses, ports).as(InetSocketAddress::new);
    }

    private static Arbitrary<URI> trackers() {
        Arbitrary<String> schemes = Arbitraries.of("udp", "http", "https");
        // Labels start with a letter: java.net.URI wants the last label of a host name to.
        Arbitrary<String> label = Combinators.combine(Arbitraries.chars().range('a', 'z'),
                        Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-').ofMaxLength(9))
                .as((first, rest) -> first + rest.replaceAll("-+$", ""));
        Arbitrary<String> hosts = label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
        Arbitrary<Integer> ports = Arbitraries.integers().between(-1, 65535);
        // Paths and queries with characters that need quoting: spaces, '&', '?', '%', '#', '+', '=', non-ASCII.
        Arbitrary<String> text = Arbitraries.strings()
                .withChars("abcXYZ019 -._~&?%#+=/:;@!$'()*,[]\u00e9\u4e2d")
                .ofMaxLength(20);
        Arbitrary<String> paths = text.map(s -> "/" + s);
        Arbitrary<String> queries = text.injectNull(0.4);
        return Combinators.combine(schemes, hosts, ports, paths, queries).as((scheme, host, port, path, query) -> {
            try {
                return new URI(scheme, null, host, port, path, query, null);
            } catch (URISyntaxException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
