package dev.starling.transport.udp;

/**
 * The datagram layout of the {@code udp} transport. Every datagram starts with {@link #MAGIC} (top bit set, so it
 * is never a BEP 15 tracker request, whose first byte is the connect magic's 0x00 or a connection id with the top
 * bit clear), a version byte and a type byte; all integers are big-endian.
 *
 * <pre>
 * HELLO    client id(4), zero padding up to {@link #HELLO_BYTES}          client: may I connect?
 * COOKIE   client id(4), cookie(8)                                    server: prove you receive at your address
 * CONNECT  client id(4), cookie(8)                                    client: here it is
 * ACCEPT   client id(4), server id(4)                                 server: connected (only to a proven address)
 * DATA     dest id(4), packet(4), send time us(4), oldest packet still wanted(4), first message still wanted(4),
 *          then optionally one fragment: message(4), fragment index(2), message length(3), up to 1200 bytes
 * ACK      dest id(4), largest packet(4), its one-way delay us(4), cumulative packet(4), ranges(1), (first, last)(4+4)...
 * CLOSE    dest id(4), reason (UTF-8, at most {@link #MAX_REASON_BYTES})
 * </pre>
 *
 * A message (one frame) is {@code header length(4), header, payload}, cut into fragments of {@link #MAX_FRAGMENT}
 * bytes. A DATA datagram is at most 1232 bytes, which fits the IPv6 minimum MTU (1280) without fragmentation.
 */
final class UdpWire {
    static final byte MAGIC = (byte) 0xC5;
    static final byte VERSION = 1;

    static final byte HELLO = 1;
    static final byte COOKIE = 2;
    static final byte CONNECT = 3;
    static final byte ACCEPT = 4;
    static final byte DATA = 5;
    static final byte ACK = 6;
    static final byte CLOSE = 7;

    /** The smallest HELLO answered: larger than any reply to an unverified address, so nothing is amplified. */
    static final int HELLO_BYTES = 64;
    static final int COOKIE_BYTES = 3 + 4 + 8;
    static final int CONNECT_BYTES = 3 + 4 + 8;
    static final int ACCEPT_BYTES = 3 + 4 + 4;
    static final int DATA_HEADER_BYTES = 3 + 4 + 4 + 4 + 4 + 4;
    static final int FRAGMENT_HEADER_BYTES = 4 + 2 + 3;
    /** The most bytes of a message one datagram carries. */
    static final int MAX_FRAGMENT = 1200;
    static final int MAX_DATAGRAM_BYTES = DATA_HEADER_BYTES + FRAGMENT_HEADER_BYTES + MAX_FRAGMENT;
    static final int ACK_HEADER_BYTES = 3 + 4 + 4 + 4 + 4 + 1;
    static final int MAX_ACK_RANGES = 32;
    static final int MAX_REASON_BYTES = 100;

    /** @return whether a datagram starting with {@code first} belongs to this transport (else: a tracker's) */
    static boolean isOurs(byte first) {
        return first == MAGIC;
    }

    /** @return the number of fragments a message of {@code length} bytes is cut into */
    static int fragments(int length) {
        return Math.max(1, (length + MAX_FRAGMENT - 1) / MAX_FRAGMENT);
    }

    private UdpWire() {
    }
}
