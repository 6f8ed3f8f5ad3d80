package dev.starling.api;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a viewer needs to join a channel: its {@link ChannelId}, plus optional bootstrap peers to connect to first
 * and trackers to ask for more peers. Immutable; {@link #withPeer} and {@link #withTracker} return new links.
 *
 * <p><b>Text form.</b> {@link #toText()} gives {@code starling:<channel id text>}, followed, if there are peers or
 * trackers, by {@code ?} and {@code &}-separated parameters: first one {@code peer=HOST:PORT} for each peer, then
 * one {@code tracker=URL} for each tracker, in list order. For example:
 * <pre>
 * starling:&lt;55 characters&gt;?peer=203.0.113.7:7000&amp;peer=[2001:db8::1]:7000&amp;tracker=udp%3A%2F%2Ftracker.example.org%3A6969
 * </pre>
 * <ul>
 *   <li>{@code HOST} is an IPv4 address ({@code 203.0.113.7}), an IPv6 address in brackets ({@code [::1]}) or a host
 *       name ({@code peer.example.org}); {@code PORT} is 1 to 65535. IP addresses are parsed without any DNS lookup;
 *       a host name becomes an {@linkplain InetSocketAddress#createUnresolved unresolved} address, left for the
 *       transport to resolve. IPv6 zone ids ({@code %eth0}) are not allowed: a link is meant to be shared.</li>
 *   <li>{@code URL} is percent-encoded UTF-8 ({@code +} is a literal plus, not a space); it must be an absolute
 *       {@code udp}, {@code http} or {@code https} URL with a host.</li>
 *   <li>Parameter names are not case-sensitive. Parameters of other names are ignored, so that links written by
 *       later versions, which may carry more, still work here.</li>
 * </ul>
 * {@code parse(link.toText())} equals {@code link} for every link.
 */
public final class ChannelLink {

    /** The prefix of the text form. */
    public static final String PREFIX = "starling:";

    private static final Set<String> TRACKER_SCHEMES = Set.of("udp", "http", "https");
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private final ChannelId channelId;
    private final List<InetSocketAddress> peers;
    private final List<URI> trackers;

    private ChannelLink(ChannelId channelId, List<InetSocketAddress> peers, List<URI> trackers) {
        this.channelId = channelId;
        this.peers = peers;
        this.trackers = trackers;
    }

    /**
     * A link with no peers and no trackers: viewers find peers by other means (e.g. a DHT).
     *
     * @param id the channel
     * @return the link
     */
    public static ChannelLink of(ChannelId id) {
        return new ChannelLink(Objects.requireNonNull(id, "id"), List.of(), List.of());
    }

    /**
     * A link with bootstrap peers and trackers.
     *
     * <p>Peers are kept in a canonical form so that the link survives its text form: an IP address keeps its
     * address bytes and port only (any host name it was resolved from is dropped), and an unresolved address whose
     * host is an IP literal becomes a resolved one (without DNS).
     *
     * @param id       the channel
     * @param peers    bootstrap peers, in the order to try them
     * @param trackers trackers, in the order to ask them
     * @return the link
     * @throws NullPointerException     if any argument or element is null
     * @throws IllegalArgumentException if a peer's port is not in 1..65535, its host is not a valid host name, or it
     *                                  has an IPv6 zone id; or if a tracker is not an absolute udp, http or https
     *                                  URL with a host
     */
    public static ChannelLink of(ChannelId id, List<InetSocketAddress> peers, List<URI> trackers) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(trackers, "trackers");
        List<InetSocketAddress> p = new ArrayList<>(peers.size());
        for (InetSocketAddress peer : peers) p.add(canonicalPeer(peer));
        List<URI> t = new ArrayList<>(trackers.size());
        for (URI tracker : trackers) t.add(checkTracker(tracker));
        return new ChannelLink(id, List.copyOf(p), List.copyOf(t));
    }

    /**
     * This link with one more bootstrap peer, after the others.
     *
     * @param peer the peer's address
     * @return a new link
     * @throws IllegalArgumentException as for {@link #of(ChannelId, List, List)}
     */
    public ChannelLink withPeer(InetSocketAddress peer) {
        List<InetSocketAddress> p = new ArrayList<>(peers);
        p.add(canonicalPeer(peer));
        return new ChannelLink(channelId, List.copyOf(p), trackers);
    }

    /**
     * This link with one more tracker, after the others.
     *
     * @param tracker the tracker's URL
     * @return a new link
     * @throws IllegalArgumentException if the tracker is not an absolute udp, http or https URL with a host
     */
    public ChannelLink withTracker(URI tracker) {
        List<URI> t = new ArrayList<>(trackers);
        t.add(checkTracker(tracker));
        return new ChannelLink(channelId, peers, List.copyOf(t));
    }

    /**
     * Parses the text form (see the class comment). Surrounding whitespace is ignored, and the {@code starling:}
     * prefix and parameter names may be in any case.
     *
     * @param text the link text
     * @return the link
     * @throws IllegalArgumentException saying what is wrong: the text is null or empty, the {@code starling:}
     *                                  prefix is missing, the channel id is bad (with {@link ChannelId#parse}'s
     *                                  reason), a peer address is bad (which one, and why), a port is out of
     *                                  1..65535, a tracker URL is bad, or a parameter is empty or has no value
     */
    public static ChannelLink parse(String text) {
        if (text == null) throw new IllegalArgumentException("channel link is null");
        String s = text.strip();
        if (s.isEmpty()) throw new IllegalArgumentException("channel link is empty");
        if (!s.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw new IllegalArgumentException("channel link must start with '" + PREFIX + "', got '" + abbreviate(s) + "'");
        }
        String rest = s.substring(PREFIX.length());
        int q = rest.indexOf('?');
        String idText = q < 0 ? rest : rest.substring(0, q);
        ChannelId id;
        try {
            id = ChannelId.parse(idText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("channel link has a bad channel id: " + e.getMessage(), e);
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        List<URI> trackers = new ArrayList<>();
        if (q >= 0) {
            String[] params = rest.substring(q + 1).split("&", -1);
            for (int i = 0; i < params.length; i++) {
                String param = params[i];
                if (param.isEmpty()) {
                    throw new IllegalArgumentException("channel link has an empty parameter (number " + (i + 1)
                            + "): check for a stray '?' or '&'");
                }
                int eq = param.indexOf('=');
                String name = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("channel link has a parameter with no name: '" + param + "'");
                }
                if (!name.equals("peer") && !name.equals("tracker")) continue; // forward compatibility
                String raw = eq < 0 ? "" : param.substring(eq + 1);
                if (raw.isEmpty()) {
                    throw new IllegalArgumentException("channel link parameter '" + name + "' has no value");
                }
                String value = percentDecode(raw, name);
                if (name.equals("peer")) {
                    peers.add(parsePeer(value));
                } else {
                    trackers.add(parseTracker(value));
                }
            }
        }
        return new ChannelLink(id, List.copyOf(peers), List.copyOf(trackers));
    }

    /**
     * The channel.
     *
     * @return the channel id
     */
    public ChannelId channelId() {
        return channelId;
    }

    /**
     * The bootstrap peers, in order: resolved IP addresses, or unresolved ones for host names.
     *
     * @return an unmodifiable list
     */
    public List<InetSocketAddress> peers() {
        return peers;
    }

    /**
     * The trackers, in order.
     *
     * @return an unmodifiable list of absolute udp, http or https URLs
     */
    public List<URI> trackers() {
        return trackers;
    }

    /**
     * The text form (see the class comment), which {@link #parse(String)} reads back.
     *
     * @return {@code starling:<channel id>} with any peer and tracker parameters
     */
    public String toText() {
        StringBuilder sb = new StringBuilder(PREFIX).append(channelId.toText());
        char sep = '?';
        for (InetSocketAddress peer : peers) {
            sb.append(sep).append("peer=").append(formatPeer(peer));
            sep = '&';
        }
        for (URI tracker : trackers) {
            sb.append(sep).append("tracker=").append(percentEncode(tracker.toString()));
            sep = '&';
        }
        return sb.toString();
    }

    /**
     * Links are equal when their channel, peers and trackers are, in order.
     *
     * @param o the object to compare with
     * @return whether {@code o} is an equal link
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelLink other && channelId.equals(other.channelId) && peers.equals(other.peers)
                && trackers.equals(other.trackers);
    }

    /**
     * A hash of the channel, peers and trackers.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(channelId, peers, trackers);
    }

    /**
     * The text form, the same as {@link #toText()}.
     *
     * @return the text form
     */
    @Override
    public String toString() {
        return toText();
    }

    // ---- peers ----

    private static InetSocketAddress canonicalPeer(InetSocketAddress peer) {
        Objects.requireNonNull(peer, "peer");
        if (!peer.isUnresolved() && peer.getAddress() instanceof Inet6Address v6
                && (v6.getScopeId() != 0 || v6.getScopedInterface() != null)) {
            throw new IllegalArgumentException("peer " + peer + " has an IPv6 zone id, which a link cannot carry");
        }
        // Through the text form and back: what a link holds is exactly what its text gives back.
        return parsePeer(formatPeer(peer));
    }

    private static String formatPeer(InetSocketAddress peer) {
        String host;
        if (peer.isUnresolved()) {
            host = peer.getHostString();
            if (host.indexOf(':') >= 0 && !host.startsWith("[")) host = "[" + host + "]";
        } else {
            InetAddress address = peer.getAddress();
            host = address instanceof Inet6Address ? "[" + formatIpv6(address.getAddress()) + "]"
                    : address.getHostAddress();
        }
        return host + ":" + peer.getPort();
    }

    private static InetSocketAddress parsePeer(String peer) {
        String host;
        String port;
        if (peer.startsWith("[")) {
            int close = peer.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("peer '" + peer + "' has a '[' without a ']'");
            host = peer.substring(1, close);
            String after = peer.substring(close + 1);
            if (after.isEmpty()) throw new IllegalArgumentException("peer '" + peer + "' has no port");
            if (after.charAt(0) != ':') {
                throw new IllegalArgumentException("peer '" + peer + "' must have ':PORT' right after the ']'");
            }
            port = after.substring(1);
            byte[] bytes = parseIpv6(host, peer);
            return new InetSocketAddress(byAddress(bytes), parsePort(port, peer));
        }
        int colon = peer.indexOf(':');
        if (colon < 0) throw new IllegalArgumentException("peer '" + peer + "' has no port");
        if (peer.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("peer '" + peer + "': an IPv6 address must be in brackets, as in [::1]:7000");
        }
        host = peer.substring(0, colon);
        port = peer.substring(colon + 1);
        if (host.isEmpty()) throw new IllegalArgumentException("peer '" + peer + "' has no host");
        int p = parsePort(port, peer);
        if (looksLikeIpv4(host)) {
            byte[] bytes = parseIpv4(host);
            if (bytes == null) {
                throw new IllegalArgumentException("peer '" + peer + "' has an invalid IPv4 address '" + host + "'");
            }
            return new InetSocketAddress(byAddress(bytes), p);
        }
        if (!isHostName(host)) {
            throw new IllegalArgumentException("peer '" + peer + "' has an invalid host name '" + host + "'");
        }
        return InetSocketAddress.createUnresolved(host, p);
    }

    private static int parsePort(String port, String peer) {
        if (port.isEmpty()) throw new IllegalArgumentException("peer '" + peer + "' has no port");
        for (int i = 0; i < port.length(); i++) {
            char c = port.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("peer '" + peer + "' has a port that is not a number: '" + port + "'");
            }
        }
        int value = port.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(port);
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException("peer '" + peer + "' has port " + port + ", outside 1..65535");
        }
        return value;
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes); // no DNS: only wraps the bytes
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length, which cannot happen here
        }
    }

    private static boolean looksLikeIpv4(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) return false;
        }
        return true;
    }

    /** Dotted-quad IPv4, four decimal parts 0..255 without leading zeros; null if not that. */
    private static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) return null;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                if (c < '0' || c > '9') return null;
            }
            int v = Integer.parseInt(part);
            if (v > 255) return null;
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseIpv6(String s, String peer) {
        if (s.indexOf('%') >= 0) {
            throw new IllegalArgumentException("peer '" + peer + "' has an IPv6 zone id, which a link cannot carry");
        }
        byte[] bytes = parseIpv6(s);
        if (bytes == null) {
            throw new IllegalArgumentException("peer '" + peer + "' has an invalid IPv6 address '" + s + "'");
        }
        return bytes;
    }

    /** RFC 4291 text: eight groups of 1..4 hex digits, "::" at most once, an optional dotted IPv4 tail. */
    private static byte[] parseIpv6(String s) {
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) return null;
        List<String> head = groups(gap < 0 ? s : s.substring(0, gap));
        List<String> tail = gap < 0 ? List.of() : groups(s.substring(gap + 2));
        if (head == null || tail == null) return null;
        byte[] ipv4Tail = null;
        List<String> last = gap < 0 ? head : tail;
        if (!last.isEmpty() && last.get(last.size() - 1).indexOf('.') >= 0) {
            ipv4Tail = parseIpv4(last.get(last.size() - 1));
            if (ipv4Tail == null) return null;
            last.remove(last.size() - 1);
        }
        int groupCount = head.size() + tail.size() + (ipv4Tail == null ? 0 : 2);
        if (gap < 0 ? groupCount != 8 : groupCount > 7) return null;
        byte[] out = new byte[16];
        int pos = 0;
        for (String g : head) {
            pos = putGroup(out, pos, g);
            if (pos < 0) return null;
        }
        pos = 16 - 2 * tail.size() - (ipv4Tail == null ? 0 : 4);
        for (String g : tail) {
            pos = putGroup(out, pos, g);
            if (pos < 0) return null;
        }
        if (ipv4Tail != null) System.arraycopy(ipv4Tail, 0, out, 12, 4);
        return out;
    }

    /** The ':'-separated groups of one side of "::"; an empty side has none; null if a group is empty. */
    private static List<String> groups(String side) {
        List<String> out = new ArrayList<>();
        if (side.isEmpty()) return out;
        for (String g : side.split(":", -1)) {
            if (g.isEmpty()) return null;
            out.add(g);
        }
        return out;
    }

    private static int putGroup(byte[] out, int pos, String group) {
        int v = hexGroup(group);
        if (v < 0) return -1;
        out[pos] = (byte) (v >>> 8);
        out[pos + 1] = (byte) v;
        return pos + 2;
    }

    private static int hexGroup(String g) {
        if (g.isEmpty() || g.length() > 4) return -1;
        int v = 0;
        for (int i = 0; i < g.length(); i++) {
            int d = Character.digit(g.charAt(i), 16);
            if (d < 0 || g.charAt(i) > 'f') return -1; // Character.digit also takes non-ASCII digits
            v = (v << 4) | d;
        }
        return v;
    }

    /** RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups as "::". */
    private static String formatIpv6(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** Host name labels of letters, digits, '-' and '_', 1..63 characters, not starting or ending with '-'. */
    private static boolean isHostName(String host) {
        if (host.length() > 253) return false;
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) return false;
            if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '-' || c == '_';
                if (!ok) return false;
            }
        }
        return true;
    }

    // ---- trackers ----

    private static URI parseTracker(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("tracker '" + text + "' is not a valid URL: " + e.getMessage(), e);
        }
        return checkTracker(uri);
    }

    private static URI checkTracker(URI tracker) {
        Objects.requireNonNull(tracker, "tracker");
        if (!tracker.isAbsolute()) {
            throw new IllegalArgumentException("tracker '" + tracker + "' is not an absolute URL: it needs a scheme,"
                    + " as in udp://tracker.example.org:6969");
        }
        String scheme = tracker.getScheme().toLowerCase(Locale.ROOT);
        if (!TRACKER_SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("tracker '" + tracker + "' has scheme '" + tracker.getScheme()
                    + "': only udp, http and https are allowed");
        }
        if (tracker.getHost() == null) {
            throw new IllegalArgumentException("tracker '" + tracker + "' has no host");
        }
        return tracker;
    }

    // ---- percent coding ----

    /** Percent-encodes the UTF-8 bytes of everything but the RFC 3986 unreserved characters. */
    private static String percentEncode(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX_UPPER[c >>> 4]).append(HEX_UPPER[c & 15]);
            }
        }
        return sb.toString();
    }

    private static String percentDecode(String s, String name) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 1 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("channel link parameter '" + name + "' has a bad percent escape"
                            + " at character " + (i + 1) + " of '" + s + "' (a '%' must be followed by two hex digits)");
                }
                out.write((hi << 4) | lo);
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
                i += Character.charCount(cp);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("channel link parameter '" + name + "' is not UTF-8 once"
                    + " percent-decoded: '" + s + "'", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
