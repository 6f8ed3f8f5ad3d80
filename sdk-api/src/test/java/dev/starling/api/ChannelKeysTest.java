package dev.starling.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChannelKeysTest {

    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "RFC 8032 test {index}")
    @CsvSource({
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60,"
                    + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb,"
                    + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7,"
                    + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    })
    void derivesThePublicKeyOfTheRfc8032Vectors(String secret, String expectedPublic) {
        ChannelKeys keys = ChannelKeys.fromPrivateKey(HEX.parseHex(secret));
        assertThat(HEX.formatHex(keys.channelId().publicKey())).isEqualTo(expectedPublic);
        assertThat(HEX.formatHex(keys.privateKey())).isEqualTo(secret);
    }

    @Test
    void derivationIsDeterministic() {
        ChannelKeys a = ChannelKeys.generate();
        ChannelKeys b = ChannelKeys.fromPrivateKey(a.privateKey());
        assertThat(b.channelId()).isEqualTo(a.channelId());
        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    }

    @Test
    void generatedKeysAreFreshAndSignAndVerify() throws Exception {
        ChannelKeys a = ChannelKeys.generate();
        ChannelKeys b = ChannelKeys.generate();
        assertThat(a.privateKey()).hasSize(32).isNotEqualTo(b.privateKey());
        assertThat(a.channelId()).isNotEqualTo(b.channelId());
        assertThat(a).isNotEqualTo(b);

        // A signature made with the private key verifies under the channel id's public key, not under another's.
        byte[] message = "piece 42".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(jdkPrivate(a));
        signer.update(message);
        byte[] sig = signer.sign();
        assertThat(verify(a.channelId(), message, sig)).isTrue();
        assertThat(verify(b.channelId(), message, sig)).isFalse();
    }

    @Test
    void privateKeyIsCopiedInAndOut() {
        byte[] seed = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        ChannelKeys keys = ChannelKeys.fromPrivateKey(seed);
        byte[] original = seed.clone();
        seed[0] ^= 1;
        assertThat(keys.privateKey()).isEqualTo(original);
        keys.privateKey()[0] ^= 1;
        assertThat(keys.privateKey()).isEqualTo(original);
    }

    @Test
    void rejectsWrongLengthPrivateKeys() {
        assertThatThrownBy(() -> ChannelKeys.fromPrivateKey(new byte[31])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a channel private key must be 32 bytes, got 31");
        assertThatThrownBy(() -> ChannelKeys.fromPrivateKey(new byte[64])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a channel private key must be 32 bytes, got 64");
    }

    @Test
    void toStringNamesTheChannelButHidesThePrivateKey() {
        ChannelKeys keys = ChannelKeys.generate();
        String hex = HEX.formatHex(keys.privateKey());
        assertThat(keys.toString()).contains(keys.channelId().toText())
                .doesNotContain(hex).doesNotContain(hex.toUpperCase()).doesNotContain(hex.substring(0, 8));
    }

    @Test
    void saveWritesTheDocumentedFormat() throws IOException {
        ChannelKeys keys = ChannelKeys.fromPrivateKey(
                HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        Path file = dir.resolve("channel.key");
        keys.save(file);
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly(
                "# Starling channel key: keep this file secret",
                "channel-id: 25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkencvii",
                "private-key: 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    }

    @Test
    void savedFileIsOwnerReadWriteOnly() throws IOException {
        Path file = dir.resolve("channel.key");
        ChannelKeys.generate().save(file);
        assertThat(Files.getPosixFilePermissions(file))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void saveReplacesAWorldReadableFileWithAnOwnerOnlyOne() throws IOException {
        Path file = dir.resolve("channel.key");
        Files.writeString(file, "old content that is longer than the new key file would ever be, ".repeat(10));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        ChannelKeys keys = ChannelKeys.generate();
        keys.save(file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(ChannelKeys.load(file)).isEqualTo(keys);
        assertThat(Files.readString(file)).doesNotContain("old content");
    }

    @Test
    void saveLeavesNoTemporaryFileBehind() throws IOException {
        ChannelKeys.generate().save(dir.resolve("a.key"));
        ChannelKeys.generate().save(dir.resolve("a.key"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("a.key");
        }
    }

    @Test
    void saveIntoAMissingDirectoryFails() {
        Path file = dir.resolve("no-such-dir").resolve("channel.key");
        assertThatThrownBy(() -> ChannelKeys.generate().save(file)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void loadReadsBackWhatSaveWrote() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        keys.save(file);
        ChannelKeys loaded = ChannelKeys.load(file);
        assertThat(loaded.channelId()).isEqualTo(keys.channelId());
        assertThat(loaded.privateKey()).isEqualTo(keys.privateKey());
        assertThat(loaded).isEqualTo(keys);
    }

    @Test
    void loadToleratesCrLfBlankLinesCommentsUpperCaseHexAndUnknownLines() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        Files.writeString(file, "# comment\r\n\r\ncreated: 2026-01-01\r\n"
                + "private-key:   " + HEX.formatHex(keys.privateKey()).toUpperCase() + "\r\n"
                + "channel-id: " + keys.channelId().toText().toUpperCase() + "\r\n");
        assertThat(ChannelKeys.load(file)).isEqualTo(keys);
    }

    @Test
    void loadRejectsAChannelIdThatDoesNotMatchThePrivateKey() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        ChannelKeys other = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        keys.save(file);
        replaceLine(file, "channel-id: ", "channel-id: " + other.channelId().toText());
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("key file " + file + ": the channel-id line does not match the private key")
                .hasMessageNotContaining(HEX.formatHex(keys.privateKey()));
    }

    @Test
    void loadRejectsATamperedPrivateKey() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        keys.save(file);
        String hex = HEX.formatHex(keys.privateKey());
        String tampered = (hex.charAt(0) == '0' ? "1" : "0") + hex.substring(1);
        replaceLine(file, "private-key: ", "private-key: " + tampered);
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("does not match the private key")
                .hasMessageNotContaining(tampered);
    }

    @Test
    void loadRejectsAMistypedChannelId() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        keys.save(file);
        String text = keys.channelId().toText();
        replaceLine(file, "channel-id: ", "channel-id: " + text.substring(0, 54) + (text.charAt(54) == 'a' ? "q" : "a"));
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + file + ": bad channel-id: channel id checksum does not match: a character is"
                        + " mistyped");
    }

    @Test
    void loadRejectsMissingLines() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path noKey = dir.resolve("no-key");
        Files.writeString(noKey, "channel-id: " + keys.channelId().toText() + "\n");
        assertThatThrownBy(() -> ChannelKeys.load(noKey)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + noKey + ": the 'private-key:' line is missing");
        Path noId = dir.resolve("no-id");
        Files.writeString(noId, "private-key: " + HEX.formatHex(keys.privateKey()) + "\n");
        assertThatThrownBy(() -> ChannelKeys.load(noId)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + noId + ": the 'channel-id:' line is missing");
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> ChannelKeys.load(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key file " + empty).hasMessageContaining("line is missing");
    }

    @Test
    void loadRejectsBadHexWithoutEchoingIt() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        keys.save(file);
        String hex = HEX.formatHex(keys.privateKey());
        replaceLine(file, "private-key: ", "private-key: " + hex.substring(0, 10) + "x" + hex.substring(11));
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + file + ": private-key has a character that is not a hex digit at position 11");

        replaceLine(file, "private-key: ", "private-key: " + hex.substring(2));
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + file + ": private-key must be 64 hex digits, got 62 characters");
    }

    @Test
    void loadRejectsDuplicateAndMalformedLines() throws IOException {
        ChannelKeys keys = ChannelKeys.generate();
        Path file = dir.resolve("channel.key");
        String hex = HEX.formatHex(keys.privateKey());
        Files.writeString(file, "channel-id: " + keys.channelId() + "\nprivate-key: " + hex + "\nprivate-key: " + hex + "\n");
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + file + ": 'private-key:' is given twice");
        Files.writeString(file, "channel-id: " + keys.channelId() + "\n" + hex + "\n");
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + file + ": line 2 is not 'name: value'");
    }

    @Test
    void loadOfAMissingFileIsAnIoException() {
        Path file = dir.resolve("missing.key");
        assertThatThrownBy(() -> ChannelKeys.load(file)).isInstanceOf(NoSuchFileException.class);
    }

    private static void replaceLine(Path file, String prefix, String replacement) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(l -> l.startsWith(prefix) ? replacement : l).toList();
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static PrivateKey jdkPrivate(ChannelKeys keys) throws Exception {
        return KeyFactory.getInstance("Ed25519")
                .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, keys.privateKey()));
    }

    private static boolean verify(ChannelId id, byte[] message, byte[] sig) throws Exception {
        byte[] x509 = new byte[44];
        System.arraycopy(HEX.parseHex("302a300506032b6570032100"), 0, x509, 0, 12);
        System.arraycopy(id.publicKey(), 0, x509, 12, 32);
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(pub);
        verifier.update(message);
        return verifier.verify(sig);
    }
}
