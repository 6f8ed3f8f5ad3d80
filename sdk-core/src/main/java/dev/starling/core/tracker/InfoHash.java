package dev.starling.core.tracker;

import dev.starling.api.ChannelId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A channel's BitTorrent info-hash: the SHA-1 of its Ed25519 public key, so any tracker can list its swarm. */
public final class InfoHash {
    private InfoHash() {
    }

    /** @return the 20-byte info-hash */
    public static byte[] of(ChannelId channel) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(channel.publicKey());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    /** @return the info-hash as 40 lower-case hex digits (opentracker's whitelist format) */
    public static String hex(ChannelId channel) {
        return java.util.HexFormat.of().formatHex(of(channel));
    }
}
