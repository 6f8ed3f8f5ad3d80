package dev.starling.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a viewer needs to watch: the channel id, bootstrap peer addresses and tracker URLs. Immutable.
 *
 * <p>Text form: {@code starling:<channel id>?peer=HOST:PORT&peer=[::1]:7000&tracker=<percent-encoded URL>},
 * parameters in order. Unknown parameters are ignored, so older viewers can read newer links. IP literals are
 * parsed without any DNS lookup; host names stay unresolved until dialed.
 */
public final class ChannelLink {
    private static final String SCHEME = "starling:";
    private final ChannelId channelId;
    private final List<InetSocketAddress> peers;
    private final List<URI> trackers;

    private ChannelLink(ChannelId channelId, List<InetSocketAddress> peers, List<URI> trackers) {
        this.channelId = Objects.requireNonNull(channelId, "channelId");
        this.peers = List.copyOf(peers);
        this.trackers = List.copyOf(trackers);
        for (URI t : this.trackers) {
            checkTracker(t);
        }
    }

    /** @return a link with no peers or trackers */
    public static ChannelLink of(ChannelId channelId) {
        return new ChannelLink(channelId, List.of(), List.of());
    }

    /** @return a link with these peers and trackers */
    public static ChannelLink of(ChannelId channelId, List<InetSocketAddress> peers, List<URI> trackers) {
        return new ChannelLink(channelId, peers, trackers);
    }

    /** @return this link plus a peer */
    public ChannelLink withPeer(InetSocketAddress peer) {
        List<InetSocketAddress> p = new ArrayList<>(peers);
        p.add(Objects.requireNonNull(peer, "peer"));
        return new ChannelLink(channelId, p, trackers);
    }

    /** @return this link plus a tracker (udp, http or https) */
    public ChannelLink withTracker(URI tracker) {
        List<URI> t = new ArrayList<>(trackers);
        t.add(Objects.requireNonNull(tracker, "tracker"));
        return new ChannelLink(channelId, peers, t);
    }

    /** @return the channel */
    public ChannelId channelId() {
        return channelId;
    }

    /** @return bootstrap peers, unmodifiable */
    public List<InetSocketAddress> peers() {
        return peers;
    }

    /** @return tracker URLs, unmodifiable */
    public List<URI> trackers() {
        return trackers;
    }

    /** @return the {@code starling:} text form */
    public String toText() {
        StringBuilder sb = new StringBuilder(SCHEME).append(channelId.toText());
        char sep = '?';
        for (InetSocketAddress p : peers) {
            sb.append(sep).append("peer=").append(hostText(p)).append(':').append(p.getPort());
            sep = '&';
        }
        for (URI t : trackers) {
            sb.append(sep).append("tracker=").append(URLEncoder.encode(t.toString(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return sb.toString();
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static ChannelLink parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("link is empty");
        }
        String t = text.strip();
        if (!t.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new IllegalArgumentException("link must start with '" + SCHEME + "'");
        }
        String rest = t.substring(SCHEME.length());
        int q = rest.indexOf('?');
        String idText = q < 0 ? rest : rest.substring(0, q);
        ChannelId id;
        try {
            id = ChannelId.parse(idText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("link has a bad channel id: " + e.getMessage(), e);
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        List<URI> trackers = new ArrayList<>();
        if (q >= 0) {
            for (String param : rest.substring(q + 1).split("&", -1)) {
                if (param.isEmpty()) {
                    throw new IllegalArgumentException("link has an empty parameter");
                }
                int eq = param.indexOf('=');
                String name = eq < 0 ? param : param.substring(0, eq);
                String value = eq < 0 ? "" : param.substring(eq + 1);
                if (name.equals("peer")) {
                    peers.add(parsePeer(value));
                } else if (name.equals("tracker")) {
                    trackers.add(parseTracker(URLDecoder.decode(value, StandardCharsets.UTF_8)));
                }
            }
        }
        return new ChannelLink(id, peers, trackers);
    }

    private static InetSocketAddress parsePeer(String v) {
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0 || close + 1 >= v.length() || v.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("peer '" + v + "' is not [IPv6]:PORT");
            }
            host = v.substring(1, close);
            port = v.substring(close + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("peer '" + v + "' has no port");
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException("peer '" + v + "': write IPv6 addresses as [addr]:port");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("peer '" + v + "' has no host");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("peer '" + v + "' has a bad port '" + port + "'");
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("peer '" + v + "' port " + p + " is outside 1..65535");
        }
        byte[] literal = ipLiteral(host);
        if (literal == null) {
            return InetSocketAddress.createUnresolved(host, p);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(literal), p);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("peer '" + v + "' has a bad address", e);
        }
    }

    /** Parses an IPv4 or IPv6 literal without DNS, or returns null for a host name. */
    private static byte[] ipLiteral(String host) {
        if (host.contains(":")) {
            if (!host.matches("[0-9A-Fa-f:.%a-zA-Z]+")) {
                throw new IllegalArgumentException("bad IPv6 address '" + host + "'");
            }
            try {
                // A literal containing ':' is never looked up in DNS.
                return InetAddress.getByName(host).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad IPv6 address '" + host + "'", e);
            }
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4 || !host.matches("[0-9.]+")) {
            if (host.matches("[0-9.]+")) {
                throw new IllegalArgumentException("bad IPv4 address '" + host + "'");
            }
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int x;
            try {
                x = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad IPv4 address '" + host + "'");
            }
            if (x < 0 || x > 255) {
                throw new IllegalArgumentException("bad IPv4 address '" + host + "'");
            }
            b[i] = (byte) x;
        }
        return b;
    }

    private static String hostText(InetSocketAddress a) {
        if (a.isUnresolved()) {
            return a.getHostString();
        }
        String h = a.getAddress().getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    private static URI parseTracker(String v) {
        try {
            URI u = new URI(v);
            checkTracker(u);
            return u;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("tracker '" + v + "' is not a URL: " + e.getMessage(), e);
        }
    }

    private static void checkTracker(URI u) {
        String s = u.getScheme();
        if (!u.isAbsolute() || s == null || !(s.equals("udp") || s.equals("http") || s.equals("https"))
                || u.getHost() == null) {
            throw new IllegalArgumentException("tracker '" + u + "' must be a udp://, http:// or https:// URL with a host");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelLink l && channelId.equals(l.channelId) && peers.equals(l.peers)
                && trackers.equals(l.trackers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channelId, peers, trackers);
    }

    @Override
    public String toString() {
        return toText();
    }
}
