package dev.starling.core;

import dev.starling.api.spi.HeapPayload;

/** A payload that counts its releases, so a test sees that whoever owned it let go of it. */
public final class CountingPayload extends HeapPayload {
    private int released;

    /** @param bytes the content */
    public CountingPayload(byte[] bytes) {
        super(bytes);
    }

    /** @param length zero bytes of this length */
    public CountingPayload(int length) {
        this(new byte[length]);
    }

    @Override
    public boolean release() {
        released++;
        return false;
    }

    /** @return how many times it was released */
    public int released() {
        return released;
    }
}
