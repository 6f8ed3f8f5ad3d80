package dev.starling.core.tracker;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Compact peer lists: 6 bytes per IPv4 peer (BEP 23), 18 per IPv6 peer (BEP 7), address then port, big-endian. */
public final class CompactPeers {
    /** Ports below this are never dialled: a tracker could point a swarm at a well-known service. */
    public static final int MIN_PORT = 1024;

    private CompactPeers() {
    }

    /**
     * Appends the peers in {@code bytes[offset..offset+length)} to {@code out}.
     *
     * @param addressBytes 4 or 16
     * @return how many entries were dropped for a port below {@link #MIN_PORT}
     * @throws TrackerReplyException if the length is not a whole number of entries
     */
    public static int parse(byte[] bytes, int offset, int length, int addressBytes, List<InetSocketAddress> out)
            throws TrackerReplyException {
        int stride = addressBytes + 2;
        if (length % stride != 0) {
            throw TrackerReplyException.malformed("compact peer list of " + length + " bytes is not a multiple of "
                    + stride);
        }
        int ignored = 0;
        byte[] ip = new byte[addressBytes];
        for (int at = offset; at < offset + length; at += stride) {
            System.arraycopy(bytes, at, ip, 0, addressBytes);
            int port = ((bytes[at + addressBytes] & 0xFF) << 8) | (bytes[at + addressBytes + 1] & 0xFF);
            if (port < MIN_PORT) {
                ignored++;
                continue;
            }
            try {
                out.add(new InetSocketAddress(InetAddress.getByAddress(ip), port));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
            }
        }
        return ignored;
    }

    /** @return the compact form of these peers (IPv4 ones for 4, IPv6 ones for 16; others skipped) */
    public static byte[] encode(List<InetSocketAddress> peers, int addressBytes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (InetSocketAddress p : peers) {
            byte[] ip = p.getAddress().getAddress();
            if (ip.length == addressBytes) {
                out.writeBytes(ip);
                out.write(p.getPort() >>> 8);
                out.write(p.getPort());
            }
        }
        return out.toByteArray();
    }
}
