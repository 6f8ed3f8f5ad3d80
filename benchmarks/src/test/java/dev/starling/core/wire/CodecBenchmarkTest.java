package dev.starling.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.core.wire.proto.Control;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/** Every control message the codec benchmark names exists, and its encode and decode agree. */
class CodecBenchmarkTest {

    @Test
    void everyMessageRoundTrips() throws Exception {
        String[] messages = CodecBenchmark.class.getDeclaredField("message").getAnnotation(Param.class).value();
        assertThat(messages).hasSize(Control.BodyCase.values().length - 1); // all but BODY_NOT_SET
        for (String message : messages) {
            CodecBenchmark b = new CodecBenchmark();
            b.message = message;
            b.setUp();
            Control decoded = b.decode();
            assertThat(decoded.getBodyCase().name().replace("_", "").toLowerCase())
                    .isEqualTo(message.toLowerCase());
            assertThat(ControlCodec.decode(b.encode())).isEqualTo(decoded);
        }
    }
}
