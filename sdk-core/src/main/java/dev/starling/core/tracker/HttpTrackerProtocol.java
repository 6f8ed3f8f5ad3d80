package dev.starling.core.tracker;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTTP tracker protocol: the announce query (BEP 3, with {@code compact=1}) and its bencoded reply, with
 * compact IPv4 peers (BEP 23), IPv6 peers in {@code peers6} (BEP 7), or the original list of dictionaries.
 */
public final class HttpTrackerProtocol {
    /** The largest reply body read. */
    public static final int MAX_REPLY_BYTES = 64 * 1024;

    private HttpTrackerProtocol() {
    }

    /**
     * @param event {@code started}, {@code stopped}, or null for a regular announce
     * @return the query string for an announce (without the leading {@code ?})
     */
    public static String announceQuery(byte[] infoHash, byte[] peerId, int port, String event, int numWant) {
        StringBuilder q = new StringBuilder(200);
        q.append("info_hash=").append(percent(infoHash))
                .append("&peer_id=").append(percent(peerId))
                .append("&port=").append(port)
                .append("&uploaded=0&downloaded=0&left=0&compact=1")
                .append("&numwant=").append(numWant);
        if (event != null) {
            q.append("&event=").append(event);
        }
        return q.toString();
    }

    /**
     * @return the usable reply
     * @throws TrackerReplyException if the body is malformed, or a refusal carrying the tracker's failure reason
     */
    public static AnnounceReply parseReply(byte[] body) throws TrackerReplyException {
        Object root = Bencode.decode(body, MAX_REPLY_BYTES);
        if (!(root instanceof Map<?, ?> dict)) {
            throw TrackerReplyException.malformed("reply is not a dictionary");
        }
        Object failure = dict.get("failure reason");
        if (failure != null) {
            String reason = failure instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(failure);
            throw TrackerReplyException.refused(reason.length() > 200 ? reason.substring(0, 200) + "..." : reason);
        }
        Object interval = dict.get("interval");
        if (!(interval instanceof Long seconds)) {
            throw TrackerReplyException.malformed("reply has no integer interval");
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        int ignored = 0;
        Object v4 = dict.get("peers");
        if (v4 instanceof byte[] compact) {
            ignored += CompactPeers.parse(compact, 0, compact.length, 4, peers);
        } else if (v4 instanceof List<?> list) {
            ignored += dictionaryPeers(list, peers);
        } else if (v4 != null) {
            throw TrackerReplyException.malformed("peers is neither a string nor a list");
        }
        Object v6 = dict.get("peers6");
        if (v6 instanceof byte[] compact6) {
            ignored += CompactPeers.parse(compact6, 0, compact6.length, 16, peers);
        } else if (v6 != null) {
            throw TrackerReplyException.malformed("peers6 is not a string");
        }
        return new AnnounceReply(AnnounceReply.clampInterval(seconds), peers, ignored);
    }

    private static int dictionaryPeers(List<?> list, List<InetSocketAddress> out) throws TrackerReplyException {
        int ignored = 0;
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> peer) || !(peer.get("ip") instanceof byte[] ip)
                    || !(peer.get("port") instanceof Long port) || port > 65535 || port < 0) {
                throw TrackerReplyException.malformed("a peer entry lacks a valid ip or port");
            }
            if (port < CompactPeers.MIN_PORT) {
                ignored++;
                continue;
            }
            InetAddress address = numericAddress(new String(ip, StandardCharsets.ISO_8859_1));
            if (address == null) {
                ignored++; // a host name (we never resolve what a tracker says) or IPv6 in the old form
                continue;
            }
            out.add(new InetSocketAddress(address, port.intValue()));
        }
        return ignored;
    }

    /**
     * @return the address a dotted-quad IPv4 literal names, or null. Never a DNS lookup. IPv6 peers come compact in
     * {@code peers6}; the old dictionary form is read for IPv4 only.
     */
    static InetAddress numericAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
                return null;
            }
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String percent(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                s.append((char) c);
            } else {
                s.append('%').append(Character.toUpperCase(Character.forDigit(c >>> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return s.toString();
    }
}
