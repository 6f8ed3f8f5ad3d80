package dev.starling.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/**
 * The IPv4 addresses of a peer exchange ({@code PeerExchange.ipv4}): 7 bytes each, the address, the port
 * (big-endian) and the primary substream plus one (0: not known). Peer exchange is the most address-heavy message;
 * as one field of records it decodes without an object per address.
 */
public final class CompactAddresses {
    /** Bytes per address. */
    public static final int RECORD_BYTES = 7;

    private final byte[] bytes;
    private int count;

    /** A writer for up to {@code capacity} addresses. */
    public CompactAddresses(int capacity) {
        bytes = new byte[capacity * RECORD_BYTES];
    }

    /**
     * Appends an address.
     *
     * @param ip                    the IPv4 address as an int (first byte highest)
     * @param primarySubstreamPlus1 the substream it forwards plus one, 0 if not known (at most 255)
     */
    public void add(int ip, int port, int primarySubstreamPlus1) {
        int at = count * RECORD_BYTES;
        bytes[at] = (byte) (ip >>> 24);
        bytes[at + 1] = (byte) (ip >>> 16);
        bytes[at + 2] = (byte) (ip >>> 8);
        bytes[at + 3] = (byte) ip;
        bytes[at + 4] = (byte) (port >>> 8);
        bytes[at + 5] = (byte) port;
        bytes[at + 6] = (byte) primarySubstreamPlus1;
        count++;
    }

    /** @return the number of addresses added */
    public int count() {
        return count;
    }

    /** @return the field's value; the writer must not be used after */
    public ByteString toByteString() {
        return UnsafeByteOperations.unsafeWrap(bytes, 0, count * RECORD_BYTES);
    }

    /**
     * @return the number of addresses in a received field
     * @throws WireException if its length is not a whole number of addresses
     */
    public static int count(ByteString field) throws WireException {
        if (field.size() % RECORD_BYTES != 0) {
            throw new WireException("peer exchange ipv4 field of " + field.size() + " bytes is not "
                    + RECORD_BYTES + " bytes an address");
        }
        return field.size() / RECORD_BYTES;
    }

    /** @return the IPv4 address of record {@code i} of a field's bytes, as an int (first byte highest) */
    public static int ip(byte[] field, int i) {
        int at = i * RECORD_BYTES;
        return (field[at] & 0xFF) << 24 | (field[at + 1] & 0xFF) << 16 | (field[at + 2] & 0xFF) << 8
                | (field[at + 3] & 0xFF);
    }

    /** @return the port of record {@code i} (0-65535) */
    public static int port(byte[] field, int i) {
        int at = i * RECORD_BYTES;
        return (field[at + 4] & 0xFF) << 8 | (field[at + 5] & 0xFF);
    }

    /** @return the primary substream plus one of record {@code i} (0: not known) */
    public static int primaryPlus1(byte[] field, int i) {
        return field[i * RECORD_BYTES + 6] & 0xFF;
    }
}
