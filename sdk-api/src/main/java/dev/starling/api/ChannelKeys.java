package dev.starling.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The Ed25519 key pair a broadcaster signs a channel's pieces with. Whoever holds the private key can publish on
 * the channel, so keep it secret. Immutable.
 *
 * <p>The key pair is made with the JDK's own Ed25519 implementation; nothing outside the JDK is needed.
 *
 * <p><b>Key file.</b> {@link #save(Path)} writes, and {@link #load(Path)} reads, UTF-8 text of three lines:
 * <pre>
 * # Starling channel key: keep this file secret
 * channel-id: &lt;the {@link ChannelId} text form&gt;
 * private-key: &lt;the 32-byte RFC 8032 private key as 64 lower-case hex digits&gt;
 * </pre>
 * On a POSIX file system the file is readable and writable by its owner only ({@code rw-------}).
 */
public final class ChannelKeys {

    /** The length of an Ed25519 private key (the RFC 8032 seed), in bytes. */
    public static final int PRIVATE_KEY_BYTES = 32;

    /** The first line of a key file. */
    static final String FILE_COMMENT = "# Starling channel key: keep this file secret";
    static final String CHANNEL_ID_FIELD = "channel-id";
    static final String PRIVATE_KEY_FIELD = "private-key";

    /** The X.509 SubjectPublicKeyInfo header the JDK puts before a raw Ed25519 public key (RFC 8410). */
    private static final byte[] X509_ED25519_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] privateKey;
    private final ChannelId channelId;

    private ChannelKeys(byte[] privateKey, ChannelId channelId) {
        this.privateKey = privateKey;
        this.channelId = channelId;
    }

    /**
     * Makes a new random key pair.
     *
     * @return a fresh key pair, from a {@link SecureRandom}
     */
    public static ChannelKeys generate() {
        KeyPair pair = generateKeyPair(new SecureRandom());
        byte[] seed = privateKeyBytes(pair)
                .orElseThrow(() -> new IllegalStateException("the JDK did not expose the Ed25519 private key bytes"));
        return new ChannelKeys(seed, ChannelId.of(rawPublicKey(pair)));
    }

    /**
     * The key pair for a private key; the public key is derived from it, so the same private key always gives the
     * same {@link ChannelId}.
     *
     * @param seed32 the 32-byte RFC 8032 private key (the "seed"); it is copied
     * @return the key pair
     * @throws NullPointerException     if {@code seed32} is null
     * @throws IllegalArgumentException if {@code seed32} is not exactly 32 bytes long
     */
    public static ChannelKeys fromPrivateKey(byte[] seed32) {
        Objects.requireNonNull(seed32, "seed32");
        if (seed32.length != PRIVATE_KEY_BYTES) {
            throw new IllegalArgumentException(
                    "a channel private key must be " + PRIVATE_KEY_BYTES + " bytes, got " + seed32.length);
        }
        byte[] seed = seed32.clone();
        FixedSeed random = new FixedSeed(seed);
        KeyPair pair = generateKeyPair(random);
        byte[] drawn = privateKeyBytes(pair).orElse(null);
        if (random.draws != 1 || !Arrays.equals(seed, drawn)) {
            throw new IllegalStateException("this JDK's Ed25519 key pair generator did not use the given private key");
        }
        return new ChannelKeys(seed, ChannelId.of(rawPublicKey(pair)));
    }

    /**
     * Reads a key file written by {@link #save(Path)}. Blank lines and lines starting with {@code #} are skipped,
     * lines of other names are ignored, and the public key is derived again from the private key and checked
     * against the {@code channel-id} line.
     *
     * @param file the key file
     * @return the key pair
     * @throws IOException              if the file cannot be read, or is not UTF-8
     * @throws IllegalArgumentException naming the file, if a {@code channel-id} or {@code private-key} line is
     *                                  missing or given twice, a line is not {@code name: value}, the private key
     *                                  is not 64 hex digits, the channel id is malformed, or the channel id does
     *                                  not belong to the private key. The message never includes the private key.
     */
    public static ChannelKeys load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String where = "key file " + file;
        String idText = null;
        String keyHex = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (i == 0 && line.startsWith("\uFEFF")) line = line.substring(1).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) {
                // Do not echo the line: it may hold the private key.
                throw new IllegalArgumentException(where + ": line " + (i + 1) + " is not 'name: value'");
            }
            String name = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (name.equals(CHANNEL_ID_FIELD)) {
                if (idText != null) throw new IllegalArgumentException(where + ": '" + name + ":' is given twice");
                idText = value;
            } else if (name.equals(PRIVATE_KEY_FIELD)) {
                if (keyHex != null) throw new IllegalArgumentException(where + ": '" + name + ":' is given twice");
                keyHex = value;
            }
        }
        if (keyHex == null) throw new IllegalArgumentException(where + ": the '" + PRIVATE_KEY_FIELD + ":' line is missing");
        if (idText == null) throw new IllegalArgumentException(where + ": the '" + CHANNEL_ID_FIELD + ":' line is missing");
        ChannelId written;
        try {
            written = ChannelId.parse(idText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": bad channel-id: " + e.getMessage(), e);
        }
        ChannelKeys keys = fromPrivateKey(parsePrivateKeyHex(keyHex, where));
        if (!keys.channelId.equals(written)) {
            throw new IllegalArgumentException(where + ": the channel-id line does not match the private key (the "
                    + "private key is for channel " + keys.channelId + "): the file is damaged or was edited");
        }
        return keys;
    }

    /**
     * Writes this key pair to a key file (format in the class comment), replacing any file already there.
     *
     * <p>On a POSIX file system the key is written to a new temporary file in the same directory, created with
     * permissions {@code rw-------} from the start, which is then moved over {@code file} atomically: the key is
     * never readable by others, not even briefly, and {@code file} never holds half a key. On other file systems
     * the file is simply written.
     *
     * @param file where to write; its directory must exist
     * @throws IOException if the file cannot be written
     */
    public void save(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        byte[] content = fileText().getBytes(StandardCharsets.UTF_8);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        if (!posix) {
            Files.write(target, content);
            return;
        }
        FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", ownerOnly);
        try {
            // The umask may have taken bits away (never added any); make the permissions exactly rw-------.
            Files.setPosixFilePermissions(temp, OWNER_ONLY);
            try (SeekableByteChannel ch = Files.newByteChannel(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DSYNC)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /**
     * The channel these keys sign for.
     *
     * @return the channel id, which holds the public key
     */
    public ChannelId channelId() {
        return channelId;
    }

    /**
     * The private key. Keep it secret.
     *
     * @return a copy of the 32-byte RFC 8032 private key (the "seed")
     */
    public byte[] privateKey() {
        return privateKey.clone();
    }

    /**
     * Two key pairs are equal when their private keys are (compared in constant time).
     *
     * @param o the object to compare with
     * @return whether {@code o} is a {@link ChannelKeys} with the same private key
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelKeys other && MessageDigest.isEqual(privateKey, other.privateKey);
    }

    /**
     * A hash of the public key (equal private keys give equal public keys); the private key does not go into it.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return channelId.hashCode();
    }

    /**
     * Names the channel; never shows the private key.
     *
     * @return {@code ChannelKeys[channelId=..., privateKey=<hidden>]}
     */
    @Override
    public String toString() {
        return "ChannelKeys[channelId=" + channelId + ", privateKey=<hidden>]";
    }

    String fileText() {
        return FILE_COMMENT + "\n"
                + CHANNEL_ID_FIELD + ": " + channelId.toText() + "\n"
                + PRIVATE_KEY_FIELD + ": " + HexFormat.of().formatHex(privateKey) + "\n";
    }

    private static byte[] parsePrivateKeyHex(String hex, String where) {
        if (hex.length() != 2 * PRIVATE_KEY_BYTES) {
            throw new IllegalArgumentException(where + ": private-key must be " + (2 * PRIVATE_KEY_BYTES)
                    + " hex digits, got " + hex.length() + " characters");
        }
        for (int i = 0; i < hex.length(); i++) {
            if (Character.digit(hex.charAt(i), 16) < 0) {
                // Do not echo the character: it is part of the private key.
                throw new IllegalArgumentException(where + ": private-key has a character that is not a hex digit"
                        + " at position " + (i + 1));
            }
        }
        return HexFormat.of().parseHex(hex);
    }

    private static KeyPair generateKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator;
            try {
                // The JDK's own provider, whatever else an application has registered ahead of it: the private key
                // bytes and the fixed-seed derivation below rely on how it works.
                generator = KeyPairGenerator.getInstance("Ed25519", "SunEC");
            } catch (NoSuchProviderException e) {
                generator = KeyPairGenerator.getInstance("Ed25519");
            }
            generator.initialize(NamedParameterSpec.ED25519, random);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("this JDK has no Ed25519 support", e);
        }
    }

    private static Optional<byte[]> privateKeyBytes(KeyPair pair) {
        return pair.getPrivate() instanceof EdECPrivateKey k ? k.getBytes() : Optional.empty();
    }

    /** The raw 32-byte public key: the last 32 bytes of the JDK's X.509 encoding, after a fixed header. */
    private static byte[] rawPublicKey(KeyPair pair) {
        byte[] encoded = pair.getPublic().getEncoded();
        int prefix = X509_ED25519_PREFIX.length;
        if (encoded.length != prefix + ChannelId.KEY_BYTES
                || !Arrays.equals(encoded, 0, prefix, X509_ED25519_PREFIX, 0, prefix)) {
            throw new IllegalStateException("unexpected X.509 encoding of an Ed25519 public key");
        }
        return Arrays.copyOfRange(encoded, prefix, encoded.length);
    }

    /**
     * A "random" source that hands out one given private key. The JDK's Ed25519 key pair generator draws exactly
     * the 32-byte private key from its random source with one {@code nextBytes} call and derives the public key
     * from it, which is how {@link #fromPrivateKey(byte[])} gets at the JDK's public key derivation.
     */
    @SuppressWarnings("serial")
    private static final class FixedSeed extends SecureRandom {
        private final transient byte[] seed;
        private int draws;

        FixedSeed(byte[] seed) {
            super(new java.security.SecureRandomSpi() {
                @Override
                protected void engineSetSeed(byte[] s) {
                    // Seeding cannot change what this source returns.
                }

                @Override
                protected void engineNextBytes(byte[] bytes) {
                    throw new IllegalStateException("unexpected draw from a fixed-seed source");
                }

                @Override
                protected byte[] engineGenerateSeed(int numBytes) {
                    throw new IllegalStateException("unexpected draw from a fixed-seed source");
                }
            }, null);
            this.seed = seed;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            draws++;
            if (bytes.length != seed.length || draws != 1) {
                throw new IllegalStateException("the Ed25519 key pair generator drew " + bytes.length
                        + " bytes (draw " + draws + "), expected one draw of " + seed.length);
            }
            System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
    }
}
