package dev.starling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check the codec and integration tests rely on does catch a leak. */
class RecordingLeakDetectorTest {

    @Test
    void aBufferDroppedWithoutReleaseIsReported() {
        assertThat(RecordingLeakDetector.installed()).isTrue();
        List<String> before = RecordingLeakDetector.collectAndReport();
        assertThat(before).as("no leak before this test's own").isEmpty();
        RecordingLeakDetector.quiet(true);
        leakOne();
        List<String> after = List.of();
        for (int i = 0; i < 20 && after.isEmpty(); i++) {
            after = RecordingLeakDetector.collectAndReport();
        }
        assertThat(after).isNotEmpty();
        assertThat(after.get(0)).contains("ByteBuf");
        RecordingLeakDetector.clear();
        RecordingLeakDetector.quiet(false);
    }

    private static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(1);
    }
}
