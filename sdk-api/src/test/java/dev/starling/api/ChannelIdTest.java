package dev.starling.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ChannelIdTest {

    /** RFC 8032 test vector 1 public key. */
    private static final byte[] RFC_KEY =
            HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    /** Its text form, computed independently (Python's base64.b32encode and hashlib). */
    private static final String RFC_TEXT = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkencvii";

    @Test
    void textFormOfAKnownKey() {
        ChannelId id = ChannelId.of(RFC_KEY);
        assertThat(id.toText()).isEqualTo(RFC_TEXT).hasSize(55);
        assertThat(id.toString()).isEqualTo(RFC_TEXT);
        assertThat(ChannelId.parse(RFC_TEXT)).isEqualTo(id);
    }

    @Test
    void textIsBase32OfKeyAndChecksumByAnIndependentEncoder() throws Exception {
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) key[i] = (byte) (i * 37 + 11);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("starling-channel-id".getBytes(StandardCharsets.US_ASCII));
        byte[] sum = sha.digest(key);
        byte[] all = new byte[34];
        System.arraycopy(key, 0, all, 0, 32);
        all[32] = sum[0];
        all[33] = sum[1];
        // 272 bits, padded with three zero bits to 275 = 55 * 5.
        BigInteger n = new BigInteger(1, all).shiftLeft(3);
        StringBuilder expected = new StringBuilder();
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        for (int i = 54; i >= 0; i--) expected.append(alphabet.charAt(n.shiftRight(5 * i).intValue() & 31));
        assertThat(ChannelId.of(key).toText()).isEqualTo(expected.toString());
    }

    @Test
    void parseAcceptsUpperCaseAndSurroundingWhitespace() {
        ChannelId id = ChannelId.of(RFC_KEY);
        assertThat(ChannelId.parse(RFC_TEXT.toUpperCase(Locale.ROOT))).isEqualTo(id);
        assertThat(ChannelId.parse("  \t" + RFC_TEXT + "\n")).isEqualTo(id);
        String mixed = RFC_TEXT.substring(0, 20).toUpperCase(Locale.ROOT) + RFC_TEXT.substring(20);
        assertThat(ChannelId.parse(mixed)).isEqualTo(id);
    }

    @Test
    void ofCopiesTheKeyAndPublicKeyReturnsACopy() {
        byte[] key = RFC_KEY.clone();
        ChannelId id = ChannelId.of(key);
        key[0] ^= 1;
        assertThat(id.publicKey()).isEqualTo(RFC_KEY);
        id.publicKey()[1] ^= 1;
        assertThat(id.publicKey()).isEqualTo(RFC_KEY);
        assertThat(id.toText()).isEqualTo(RFC_TEXT);
    }

    @Test
    void ofRejectsWrongLengths() {
        assertThatThrownBy(() -> ChannelId.of(new byte[31])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a channel public key must be 32 bytes, got 31");
        assertThatThrownBy(() -> ChannelId.of(new byte[33])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a channel public key must be 32 bytes, got 33");
        assertThatThrownBy(() -> ChannelId.of(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void infoHashIsSha1OfThePublicKey() throws Exception {
        ChannelId id = ChannelId.of(RFC_KEY);
        assertThat(id.infoHash()).isEqualTo(MessageDigest.getInstance("SHA-1").digest(RFC_KEY)).hasSize(20);
        // Computed independently with Python's hashlib.
        assertThat(id.infoHashHex()).isEqualTo("5b27aa5589179770e47575b162a1ded97b8bfc6d");
        id.infoHash()[0] ^= 1;
        assertThat(id.infoHashHex()).isEqualTo("5b27aa5589179770e47575b162a1ded97b8bfc6d");
    }

    @Test
    void equalsAndHashCodeFollowTheKey() {
        ChannelId a = ChannelId.of(RFC_KEY);
        ChannelId b = ChannelId.of(RFC_KEY.clone());
        byte[] other = RFC_KEY.clone();
        other[31] ^= 1;
        ChannelId c = ChannelId.of(other);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c).isNotEqualTo(RFC_TEXT).isNotEqualTo(null);
    }

    @Test
    void nullAndEmptyAreRejected() {
        assertThatThrownBy(() -> ChannelId.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id is null");
        assertThatThrownBy(() -> ChannelId.parse("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id is empty");
        assertThatThrownBy(() -> ChannelId.parse("  \n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id is empty");
    }

    @Test
    void wrongLengthIsRejected() {
        assertThatThrownBy(() -> ChannelId.parse("abcdefghijkl")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id must be 55 characters, got 12");
        assertThatThrownBy(() -> ChannelId.parse(RFC_TEXT + "a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id must be 55 characters, got 56");
        // Base32 with '=' padding (56 characters) is not the text form.
        assertThatThrownBy(() -> ChannelId.parse(RFC_TEXT + "=")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id must be 55 characters, got 56");
    }

    @Test
    void invalidCharacterIsNamedWithItsPosition() {
        String bad = RFC_TEXT.substring(0, 6) + "1" + RFC_TEXT.substring(7);
        assertThatThrownBy(() -> ChannelId.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id has invalid character '1' at position 7 (allowed: a-z, 2-7)");
        String eight = RFC_TEXT.substring(0, 54) + "8";
        assertThatThrownBy(() -> ChannelId.parse(eight)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id has invalid character '8' at position 55 (allowed: a-z, 2-7)");
        String tab = "\t" + RFC_TEXT.substring(1);
        // A leading tab is whitespace and stripped, which leaves 54 characters.
        assertThatThrownBy(() -> ChannelId.parse(tab)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id must be 55 characters, got 54");
        String inner = RFC_TEXT.substring(0, 10) + "\u00e9" + RFC_TEXT.substring(11);
        assertThatThrownBy(() -> ChannelId.parse(inner)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id has invalid character U+00E9 at position 11 (allowed: a-z, 2-7)");
    }

    @Test
    void mistypedCharacterFailsTheChecksum() {
        // Position 1 carries key bits: the key changes and its checksum no longer matches.
        String bad = "3" + RFC_TEXT.substring(1);
        assertThatThrownBy(() -> ChannelId.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id checksum does not match: a character is mistyped");
        // Position 53 carries checksum bits only.
        String badSum = RFC_TEXT.substring(0, 52) + (RFC_TEXT.charAt(52) == 'a' ? 'b' : 'a') + RFC_TEXT.substring(53);
        assertThatThrownBy(() -> ChannelId.parse(badSum)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id checksum does not match: a character is mistyped");
    }

    @Test
    void lastCharacterMustHaveZeroPaddingBits() {
        // The last character carries 2 data bits and 3 padding bits; 'j' sets a padding bit of 'i'.
        assertThat(RFC_TEXT).endsWith("i");
        String bad = RFC_TEXT.substring(0, 54) + "j";
        assertThatThrownBy(() -> ChannelId.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel id has invalid last character 'j' (the last character must be one of a, i, q,"
                        + " y): a character is mistyped");
    }

    @Test
    void aRareSubstitutionCanCollideWithTheSixteenBitChecksum() {
        // Documents the limit of a 16-bit checksum: found by a search over random keys (about 1 in 65,536
        // substitutions in positions 1..51 collide). Both texts are valid, and they are different channels.
        String original = "r4sxxngavbnxhrdnxzgtp35kn23r3m5d5ndkw5nbplmzboodiiw552a";
        String mistyped = "r4sxxngavbnxhrdnxzgtp35kn23r3mkd5ndkw5nbplmzboodiiw552a";
        assertThat(ChannelId.parse(original)).isNotEqualTo(ChannelId.parse(mistyped));
    }
}
