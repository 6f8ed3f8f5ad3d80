package dev.starling.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.transport.udp.SackReceiver.Range;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SackReceiverTest {

    @Test
    void gapsShowAsRangesAboveTheCumulativePoint() {
        SackReceiver r = new SackReceiver(1024);
        for (long n : new long[] {0, 1, 2, 5, 6, 9}) {
            assertThat(r.onPacket(n)).isTrue();
        }
        assertThat(r.cumulative()).isEqualTo(2);
        assertThat(r.ranges(8)).containsExactly(new Range(9, 9), new Range(5, 6));
        assertThat(r.ranges(1)).containsExactly(new Range(9, 9));
        r.onPacket(3);
        r.onPacket(4);
        assertThat(r.cumulative()).isEqualTo(6);
        assertThat(r.ranges(8)).containsExactly(new Range(9, 9));
    }

    @Test
    void duplicatesAndPacketsBeyondTheWindowAreNotDelivered() {
        SackReceiver r = new SackReceiver(16);
        assertThat(r.onPacket(0)).isTrue();
        assertThat(r.onPacket(0)).isFalse();
        assertThat(r.onPacket(16)).isTrue();
        assertThat(r.onPacket(16)).isFalse();
        assertThat(r.onPacket(17)).as("17 packets past the cumulative point").isFalse();
        assertThat(r.onPacket(Long.MAX_VALUE)).isFalse();
        assertThat(r.duplicates()).isEqualTo(2);
        assertThat(r.refused()).isEqualTo(2);
    }

    /** Whatever the arrival order, the acknowledgement describes exactly the set that arrived. */
    @Property(tries = 300)
    void theAcknowledgementDescribesExactlyWhatArrived(@ForAll long seed) {
        Random random = new Random(seed);
        List<Long> numbers = new ArrayList<>();
        for (long n = 0; n < 200; n++) {
            if (random.nextInt(10) != 0) { // 10% lost
                numbers.add(n);
            }
        }
        Collections.shuffle(numbers, random);
        SackReceiver r = new SackReceiver(1024);
        TreeSet<Long> arrived = new TreeSet<>();
        for (long n : numbers) {
            assertThat(r.onPacket(n)).isEqualTo(arrived.add(n));
            if (random.nextInt(5) == 0) {
                assertThat(r.onPacket(n)).isFalse();
            }
        }
        TreeSet<Long> described = new TreeSet<>();
        for (long n = 0; n <= r.cumulative(); n++) {
            described.add(n);
        }
        for (Range range : r.ranges(Integer.MAX_VALUE)) {
            for (long n = range.first(); n <= range.last(); n++) {
                described.add(n);
            }
        }
        assertThat(described).isEqualTo(arrived);
    }
}
