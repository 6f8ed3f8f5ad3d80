package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** A neighbour's buffer map replaces the last one whole, whether or not it reuses the last one's array. */
class PeerBufferMapTest {
    @Test
    void aNewMapOfTheSameOrAnotherSizeReplacesTheLastOne() {
        Peer p = new Peer(1, new InetSocketAddress("198.51.100.1", 7000), new InetSocketAddress("198.51.100.1", 7000), null, 0, 4);
        p.bufferMap(3, 100, ByteString.copyFrom(new byte[] {0x01, 0x00}));
        assertThat(p.has(3, 100)).isTrue();
        assertThat(p.bmTop()).isEqualTo(100);

        p.bufferMap(3, 108, ByteString.copyFrom(new byte[] {0x02, (byte) 0x80})); // same size: copied in place
        assertThat(p.has(3, 108)).isFalse();
        assertThat(p.has(3, 109)).isTrue();
        assertThat(p.has(3, 123)).isTrue();
        assertThat(p.bmTop()).isEqualTo(123);

        byte[] sent = {0x04};
        ByteString shorter = ByteString.copyFrom(sent);
        p.bufferMap(3, 200, shorter);
        assertThat(p.has(3, 202)).isTrue();
        assertThat(p.has(3, 209)).as("past the shorter map's end").isFalse();
        assertThat(p.bmTop()).isEqualTo(202);

        p.bufferMap(3, 200, ByteString.copyFrom(new byte[] {0x08}));
        assertThat(p.has(3, 202)).as("the earlier map's bits are not kept").isFalse();
        assertThat(shorter.byteAt(0)).as("the message's bytes are not written to").isEqualTo((byte) 0x04);
    }
}
