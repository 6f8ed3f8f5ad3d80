package dev.starling.transport.netty;

import dev.starling.api.spi.Payload;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A {@link Payload} backed by a Netty {@link ByteBuf}: the payload's references are the buffer's, so a piece
 * read from one socket can be kept in the live window and written to many others without a copy.
 */
public final class ByteBufPayload implements Payload {
    private final ByteBuf buf;

    /** @param buf the content, from its reader index to its writer index; this payload takes over one reference */
    public ByteBufPayload(ByteBuf buf) {
        this.buf = Objects.requireNonNull(buf, "buf");
    }

    /** @return the backing buffer; its indexes must not be moved (use {@link ByteBuf#duplicate()}) */
    public ByteBuf buf() {
        return buf;
    }

    @Override
    public int length() {
        return buf.readableBytes();
    }

    @Override
    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        buf.getBytes(buf.readerIndex() + offset, dst, dstOffset, length);
    }

    @Override
    public ByteBuffer readOnlyBuffer() {
        return buf.nioBuffer().asReadOnlyBuffer();
    }

    @Override
    public Payload retain() {
        buf.retain();
        return this;
    }

    @Override
    public boolean release() {
        return buf.release();
    }

    @Override
    public String toString() {
        return "ByteBufPayload[" + buf.readableBytes() + " bytes]";
    }
}
