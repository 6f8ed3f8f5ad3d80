package dev.starling.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** Peer exchange's compact IPv4 records read back what was written, at every edge of their fields. */
class CompactAddressesTest {
    @Test
    void recordsReadBackTheirAddressPortAndPrimary() throws WireException {
        CompactAddresses w = new CompactAddresses(3);
        w.add(0xC6336409, 7000, 0);           // 198.51.100.9
        w.add(0xFFFFFFFF, 65535, 255);
        w.add(0x80000001, 1, 33);
        ByteString field = w.toByteString();
        assertThat(CompactAddresses.count(field)).isEqualTo(3).isEqualTo(w.count());
        byte[] b = field.toByteArray();
        assertThat(b).hasSize(3 * CompactAddresses.RECORD_BYTES)
                .startsWith((byte) 198, (byte) 51, (byte) 100, (byte) 9, (byte) 0x1B, (byte) 0x58, (byte) 0);
        assertThat(record(b, 0))
                .containsExactly(0xC6336409, 7000, 0);
        assertThat(record(b, 1))
                .containsExactly(0xFFFFFFFF, 65535, 255);
        assertThat(record(b, 2))
                .containsExactly(0x80000001, 1, 33);
    }

    private static int[] record(byte[] field, int i) {
        return new int[] {CompactAddresses.ip(field, i), CompactAddresses.port(field, i),
            CompactAddresses.primaryPlus1(field, i)};
    }

    @Test
    void aFieldOfPartRecordsIsRefused() {
        assertThatThrownBy(() -> CompactAddresses.count(ByteString.copyFrom(new byte[8])))
                .isInstanceOf(WireException.class).hasMessageContaining("8 bytes");
    }
}
