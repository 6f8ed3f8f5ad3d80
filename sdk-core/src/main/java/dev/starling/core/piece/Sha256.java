package dev.starling.core.piece;

import dev.starling.api.spi.Payload;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 from the JDK, which uses the SHA-NI intrinsic (about 9x Bouncy Castle's digest here). */
public final class Sha256 {
    private Sha256() {
    }

    /** @return the SHA-256 of the payload's bytes */
    public static byte[] digest(Payload payload) {
        MessageDigest md = newDigest();
        md.update(payload.readOnlyBuffer());
        return md.digest();
    }

    /** @return a fresh SHA-256 digest */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
