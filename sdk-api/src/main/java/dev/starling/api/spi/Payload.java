package dev.starling.api.spi;

import java.nio.ByteBuffer;

/**
 * A piece payload crossing the SPI: a small reference-counted handle, so a transport can back it with its own
 * buffers (a Netty {@code ByteBuf}) and forward it to many peers without copying.
 *
 * <p>The creator holds one reference. {@link #retain()} before keeping it beyond the call that handed it to you;
 * {@link #release()} when done. Content never changes.
 */
public interface Payload {

    /** @return the payload length in bytes */
    int length();

    /** Copies {@code length} bytes starting at {@code offset} into {@code dst} at {@code dstOffset}. */
    void getBytes(int offset, byte[] dst, int dstOffset, int length);

    /** @return a read-only view of the whole payload; valid while a reference is held */
    ByteBuffer readOnlyBuffer();

    /** Adds a reference. @return this */
    Payload retain();

    /** Drops a reference. @return whether that was the last one and the memory was freed */
    boolean release();

    /** @return a copy of the bytes */
    default byte[] toByteArray() {
        byte[] out = new byte[length()];
        getBytes(0, out, 0, out.length);
        return out;
    }

    /** @return an empty payload (no reference counting) */
    static Payload empty() {
        return HeapPayload.EMPTY;
    }

    /** Wraps an array without copying; the caller must not change it afterwards. Heap payloads are not pooled. */
    static Payload wrap(byte[] bytes) {
        return bytes.length == 0 ? HeapPayload.EMPTY : new HeapPayload(bytes);
    }
}
