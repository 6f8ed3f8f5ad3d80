package dev.starling.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * One frame between the codec and the transport: the control header and the payload buffer beside it. Reference
 * counted through the payload, so Netty releases it wherever a pipeline drops it.
 *
 * @param header  the protobuf control header
 * @param payload the payload (possibly empty); the frame owns one reference
 */
public record Frame(byte[] header, ByteBuf payload) implements ReferenceCounted {

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public Frame retain() {
        payload.retain();
        return this;
    }

    @Override
    public Frame retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public Frame touch() {
        payload.touch();
        return this;
    }

    @Override
    public Frame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }

    @Override
    public String toString() {
        return "Frame[header " + header.length + " bytes, payload " + payload.readableBytes() + " bytes]";
    }
}
