package dev.starling.core.util;

import java.net.InetSocketAddress;
import org.bouncycastle.crypto.macs.SipHash;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * A keyed hash (SipHash-2-4 under a secret) of a datagram's source address and port, a context value and a time
 * bucket: the stateless proof that an address receives what is sent to it. A server hands the value out in a
 * small reply and accepts it back only from the same address, within a few buckets, keeping no state for
 * strangers. Used by the built-in tracker's connection ids and the udp transport's handshake cookies. Internal to
 * Starling; not thread-safe.
 */
public final class AddressMac {
    private final SipHash mac = new SipHash(2, 4);

    /** @param secret 16 random bytes, kept by the server */
    public AddressMac(byte[] secret) {
        if (secret.length != 16) {
            throw new IllegalArgumentException("the secret is 16 bytes, got " + secret.length);
        }
        mac.init(new KeyParameter(secret));
    }

    /**
     * @param from    the datagram's source
     * @param context what else the value is bound to (a client's id; 0 for nothing)
     * @param bucket  the time bucket (a minute number, say)
     * @return the keyed hash
     */
    public long of(InetSocketAddress from, long context, long bucket) {
        byte[] ip = from.getAddress().getAddress();
        mac.reset();
        mac.update(ip, 0, ip.length);
        mac.update((byte) (from.getPort() >>> 8));
        mac.update((byte) from.getPort());
        updateLong(context);
        updateLong(bucket);
        return mac.doFinal();
    }

    private void updateLong(long v) {
        for (int i = 7; i >= 0; i--) {
            mac.update((byte) (v >>> (8 * i)));
        }
    }
}
