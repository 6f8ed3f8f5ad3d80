package dev.starling.core.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.api.spi.FrameLimits;
import dev.starling.core.wire.proto.Control;
import java.io.IOException;

/**
 * Encodes and decodes the protobuf control header of a frame. Every failure is a {@link WireException};
 * nothing else escapes, whatever the bytes.
 */
public final class ControlCodec {
    private ControlCodec() {
    }

    /** @return the header bytes for this message */
    public static byte[] encode(Control control) {
        return control.toByteArray();
    }

    /**
     * @return the decoded message, never one with no body
     * @throws WireException if the bytes are not a valid control message or exceed the limit
     */
    public static Control decode(byte[] header) throws WireException {
        if (header.length > FrameLimits.MAX_HEADER_BYTES) {
            throw new WireException("control header of " + header.length + " bytes exceeds the maximum of "
                    + FrameLimits.MAX_HEADER_BYTES);
        }
        Control control;
        try {
            CodedInputStream in = CodedInputStream.newInstance(header);
            in.setSizeLimit(FrameLimits.MAX_HEADER_BYTES);
            in.setRecursionLimit(8);
            control = Control.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new WireException("malformed control header: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new WireException("unreadable control header: " + e, e);
        }
        return requireBody(control);
    }

    /**
     * @return the message, if it carries one (an unknown type decodes as none)
     * @throws WireException if it has no body
     */
    public static Control requireBody(Control control) throws WireException {
        if (control.getBodyCase() == Control.BodyCase.BODY_NOT_SET) {
            throw new WireException("control header has no message (unknown type or empty)");
        }
        return control;
    }
}
