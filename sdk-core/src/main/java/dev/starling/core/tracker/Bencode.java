package dev.starling.core.tracker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded bencode decoder (BEP 3). Integers become {@link Long}, strings {@code byte[]}, lists {@link List},
 * dictionaries {@link Map} with ISO-8859-1 string keys. Nothing is allocated beyond the input's own size: a
 * string's declared length is checked against the bytes left before it is read, nesting is capped, and so is
 * the number of values. Every failure is a {@link TrackerReplyException}; nothing else escapes.
 */
public final class Bencode {
    /** The deepest nesting accepted (tracker replies need 3). */
    public static final int MAX_DEPTH = 16;
    /** The most values in one document: a reply of 64 KiB holds far fewer. */
    public static final int MAX_VALUES = 20_000;

    private final byte[] in;
    private int pos;
    private int values;

    private Bencode(byte[] in) {
        this.in = in;
    }

    /**
     * @param bytes    one whole bencoded value
     * @param maxBytes the largest input accepted
     * @return the value
     * @throws TrackerReplyException if the bytes are not exactly one valid value within the limits
     */
    public static Object decode(byte[] bytes, int maxBytes) throws TrackerReplyException {
        if (bytes.length > maxBytes) {
            throw TrackerReplyException.malformed("bencoded reply of " + bytes.length + " bytes exceeds the maximum of "
                    + maxBytes);
        }
        Bencode d = new Bencode(bytes);
        Object v = d.value(0);
        if (d.pos != bytes.length) {
            throw TrackerReplyException.malformed((bytes.length - d.pos) + " bytes after the bencoded value");
        }
        return v;
    }

    private Object value(int depth) throws TrackerReplyException {
        if (depth > MAX_DEPTH) {
            throw TrackerReplyException.malformed("bencode nested deeper than " + MAX_DEPTH);
        }
        if (++values > MAX_VALUES) {
            throw TrackerReplyException.malformed("bencode holds more than " + MAX_VALUES + " values");
        }
        int c = peek();
        switch (c) {
            case 'i': {
                pos++;
                long v = integer('e');
                return v;
            }
            case 'l': {
                pos++;
                List<Object> list = new ArrayList<>();
                while (peek() != 'e') {
                    list.add(value(depth + 1));
                }
                pos++;
                return list;
            }
            case 'd': {
                pos++;
                Map<String, Object> map = new LinkedHashMap<>();
                while (peek() != 'e') {
                    if (peek() < '0' || peek() > '9') {
                        throw TrackerReplyException.malformed("dictionary key is not a string at byte " + pos);
                    }
                    String key = new String(string(), StandardCharsets.ISO_8859_1);
                    map.put(key, value(depth + 1));
                }
                pos++;
                return map;
            }
            default:
                if (c >= '0' && c <= '9') {
                    return string();
                }
                throw TrackerReplyException.malformed("unexpected byte 0x" + Integer.toHexString(c) + " at byte " + pos);
        }
    }

    private byte[] string() throws TrackerReplyException {
        long length = integer(':');
        if (length < 0 || length > in.length - pos) {
            throw TrackerReplyException.malformed("string of " + length + " bytes with " + (in.length - pos) + " left");
        }
        byte[] s = new byte[(int) length];
        System.arraycopy(in, pos, s, 0, s.length);
        pos += s.length;
        return s;
    }

    private long integer(char end) throws TrackerReplyException {
        int start = pos;
        boolean negative = false;
        if (pos < in.length && in[pos] == '-') {
            negative = true;
            pos++;
        }
        long v = 0;
        int digits = 0;
        while (pos < in.length && in[pos] != end) {
            int d = in[pos] - '0';
            if (d < 0 || d > 9 || digits >= 18) {
                throw TrackerReplyException.malformed("bad integer at byte " + start);
            }
            v = v * 10 + d;
            digits++;
            pos++;
        }
        if (pos >= in.length || digits == 0) {
            throw TrackerReplyException.malformed("unterminated integer at byte " + start);
        }
        pos++;
        return negative ? -v : v;
    }

    private int peek() throws TrackerReplyException {
        if (pos >= in.length) {
            throw TrackerReplyException.malformed("bencode ends early at byte " + pos);
        }
        return in[pos] & 0xFF;
    }
}
