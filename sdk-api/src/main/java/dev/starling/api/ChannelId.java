package dev.starling.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The identity of a channel: the 32-byte Ed25519 public key its broadcaster signs pieces with. Immutable.
 *
 * <p><b>Text form.</b> {@link #toText()} gives 55 characters a person can paste, read aloud and type: the RFC 4648
 * base32 encoding, lower case and without {@code =} padding, of 34 bytes: the 32 key bytes followed by a 2-byte
 * checksum, the first two bytes of SHA-256 over the ASCII bytes {@code "starling-channel-id"} followed by the 32 key
 * bytes. {@link #parse(String)} accepts upper case too and ignores surrounding whitespace.
 *
 * <p><b>What the checksum catches.</b> A mistyped character in the last four positions (52 to 55) is always
 * rejected: those carry only checksum bits and the three zero padding bits of the last character. A mistyped
 * character in positions 1 to 51, which carry key bits, changes the key, so it goes unnoticed only if the changed
 * key happens to have the same 16-bit checksum: about 1 in 65,536 such mistakes.
 *
 * <p><b>Info hash.</b> {@link #infoHash()} is the SHA-1 of the 32 key bytes, the 20-byte identifier the channel is
 * announced under on BitTorrent-style trackers and DHTs.
 */
public final class ChannelId {

    /** The length of an Ed25519 public key, in bytes. */
    public static final int KEY_BYTES = 32;

    /** The length of the text form, in characters. */
    public static final int TEXT_LENGTH = 55;

    private static final int CHECKSUM_BYTES = 2;
    private static final byte[] CHECKSUM_DOMAIN = "starling-channel-id".getBytes(StandardCharsets.US_ASCII);
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    /** The characters whose value has the three low bits clear: the only ones allowed last. */
    private static final String ALLOWED_LAST = "a, i, q, y";

    private final byte[] key;
    private final String text;

    private ChannelId(byte[] key) {
        this.key = key;
        this.text = encode(key);
    }

    /**
     * The channel id for a public key.
     *
     * @param publicKey the raw 32-byte Ed25519 public key; it is copied
     * @return the channel id
     * @throws NullPointerException     if {@code publicKey} is null
     * @throws IllegalArgumentException if {@code publicKey} is not exactly 32 bytes long
     */
    public static ChannelId of(byte[] publicKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey.length != KEY_BYTES) {
            throw new IllegalArgumentException(
                    "a channel public key must be " + KEY_BYTES + " bytes, got " + publicKey.length);
        }
        return new ChannelId(publicKey.clone());
    }

    /**
     * Parses the text form written by {@link #toText()}. Upper case is accepted; surrounding whitespace is ignored.
     *
     * @param text the 55-character text form
     * @return the channel id
     * @throws IllegalArgumentException if the text is null or empty, is not 55 characters long, has a character
     *                                  outside {@code a-z} and {@code 2-7}, or its checksum does not match; the
     *                                  message says which, and where (positions count from 1)
     */
    public static ChannelId parse(String text) {
        if (text == null) throw new IllegalArgumentException("channel id is null");
        String s = text.strip();
        if (s.isEmpty()) throw new IllegalArgumentException("channel id is empty");
        if (s.length() != TEXT_LENGTH) {
            throw new IllegalArgumentException(
                    "channel id must be " + TEXT_LENGTH + " characters, got " + s.length());
        }
        int[] values = new int[TEXT_LENGTH];
        for (int i = 0; i < TEXT_LENGTH; i++) {
            char c = s.charAt(i);
            int v = valueOf(c);
            if (v < 0) {
                throw new IllegalArgumentException("channel id has invalid character " + show(c) + " at position "
                        + (i + 1) + " (allowed: a-z, 2-7)");
            }
            values[i] = v;
        }
        // 55 characters carry 275 bits; the last three are padding and must be zero in the canonical form.
        if ((values[TEXT_LENGTH - 1] & 0b111) != 0) {
            throw new IllegalArgumentException("channel id has invalid last character "
                    + show(s.charAt(TEXT_LENGTH - 1)) + " (the last character must be one of " + ALLOWED_LAST
                    + "): a character is mistyped");
        }
        byte[] all = new byte[KEY_BYTES + CHECKSUM_BYTES];
        int buffer = 0;
        int bits = 0;
        int out = 0;
        for (int v : values) {
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                all[out++] = (byte) (buffer >>> bits);
                buffer &= (1 << bits) - 1;
            }
        }
        byte[] key = Arrays.copyOf(all, KEY_BYTES);
        byte[] expected = checksum(key);
        if (all[KEY_BYTES] != expected[0] || all[KEY_BYTES + 1] != expected[1]) {
            throw new IllegalArgumentException("channel id checksum does not match: a character is mistyped");
        }
        return new ChannelId(key);
    }

    /**
     * The public key.
     *
     * @return a copy of the raw 32-byte Ed25519 public key
     */
    public byte[] publicKey() {
        return key.clone();
    }

    /**
     * The text form: 55 characters of lower-case base32 (see the class comment).
     *
     * @return the text form, which {@link #parse(String)} reads back
     */
    public String toText() {
        return text;
    }

    /**
     * The SHA-1 of the 32-byte public key: the identifier the channel is announced under on trackers and DHTs.
     *
     * @return a fresh 20-byte array
     */
    public byte[] infoHash() {
        return digest("SHA-1").digest(key);
    }

    /**
     * The {@link #infoHash()} as hex.
     *
     * @return 40 lower-case hex digits
     */
    public String infoHashHex() {
        return HexFormat.of().formatHex(infoHash());
    }

    /**
     * Two channel ids are equal when their public keys are.
     *
     * @param o the object to compare with
     * @return whether {@code o} is a {@link ChannelId} with the same public key
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelId other && Arrays.equals(key, other.key);
    }

    /**
     * A hash of the public key.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    /**
     * The text form, the same as {@link #toText()}.
     *
     * @return the text form
     */
    @Override
    public String toString() {
        return text;
    }

    private static String encode(byte[] key) {
        byte[] checksum = checksum(key);
        byte[] all = Arrays.copyOf(key, KEY_BYTES + CHECKSUM_BYTES);
        all[KEY_BYTES] = checksum[0];
        all[KEY_BYTES + 1] = checksum[1];
        StringBuilder sb = new StringBuilder(TEXT_LENGTH);
        int buffer = 0;
        int bits = 0;
        for (byte b : all) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                sb.append(ALPHABET[(buffer >>> bits) & 31]);
            }
            buffer &= (1 << bits) - 1;
        }
        if (bits > 0) sb.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        return sb.toString();
    }

    private static byte[] checksum(byte[] key) {
        MessageDigest sha256 = digest("SHA-256");
        sha256.update(CHECKSUM_DOMAIN);
        sha256.update(key);
        return Arrays.copyOf(sha256.digest(), CHECKSUM_BYTES);
    }

    private static int valueOf(char c) {
        if (c >= 'a' && c <= 'z') return c - 'a';
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= '2' && c <= '7') return c - '2' + 26;
        return -1;
    }

    /** A character for an error message: quoted if printable ASCII, else as a Unicode escape. */
    static String show(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }
}
