package dev.starling.transport.sim;

import dev.starling.api.spi.Payload;
import java.nio.ByteBuffer;

/**
 * A payload in the simulator: immutable, shared by every simulated node that forwards it (no copies), with a
 * slot where a verifier may note the exact header it verified under, so a simulated swarm verifies each
 * genuine piece once instead of once per viewer. A forged piece is a different instance or a different header,
 * so it is always verified for real.
 */
public final class SimPayload implements Payload {
    private final byte[] bytes;
    volatile Object verifiedMemo;

    /** @param bytes the content; not copied, must not change */
    public SimPayload(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public int length() {
        return bytes.length;
    }

    @Override
    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(bytes, offset, dst, dstOffset, length);
    }

    @Override
    public ByteBuffer readOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Override
    public Payload retain() {
        return this;
    }

    @Override
    public boolean release() {
        return false;
    }

    /** @return the content (not a copy) */
    byte[] bytes() {
        return bytes;
    }
}
