package dev.starling.transport.sim;

import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.WireException;
import dev.starling.core.wire.proto.Control;

/**
 * One header sent to several receivers, decoded once: a buffer map goes to every neighbour of its sender and a
 * piece's header to every node the piece reaches, and in the simulator each would otherwise be parsed again by
 * every receiving engine. The decode is the real one ({@link ControlCodec#decode}, limits and all) and depends on
 * the bytes only, so which receiver runs it changes nothing. Shared between lanes: whoever comes first decodes,
 * and a second decode by another lane at the same moment gives an equal message.
 */
final class SharedHeader {
    final byte[] bytes;
    private volatile Control decoded;
    private volatile boolean malformed;

    SharedHeader(byte[] bytes) {
        this.bytes = bytes;
    }

    /** @return the decoded header, or null if it does not decode (the receiver then rejects the bytes itself) */
    Control decoded() {
        Control c = decoded;
        if (c != null || malformed) {
            return c;
        }
        try {
            c = ControlCodec.decode(bytes);
            decoded = c;
            return c;
        } catch (WireException e) {
            malformed = true;
            return null;
        }
    }
}
