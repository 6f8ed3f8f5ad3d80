package dev.starling.api.spi;

import java.nio.ByteBuffer;

/** A payload on the Java heap: reference counting is a no-op, the garbage collector frees it. */
final class HeapPayload implements Payload {
    static final HeapPayload EMPTY = new HeapPayload(new byte[0]);

    private final byte[] bytes;

    HeapPayload(byte[] bytes) {
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
        return "HeapPayload[" + bytes.length + " bytes]";
    }
}
