package dev.starling.api.spi;

import java.nio.ByteBuffer;

/**
 * A payload on the Java heap: reference counting is a no-op, the garbage collector frees it. Open to subclasses
 * that attach metadata to a payload instance (the simulator's verification memo).
 */
public class HeapPayload implements Payload {
    static final HeapPayload EMPTY = new HeapPayload(new byte[0]);

    private final byte[] bytes;

    /** @param bytes the content; not copied, must not change */
    protected HeapPayload(byte[] bytes) {
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

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + bytes.length + " bytes]";
    }
}
