package dev.starling.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The simulator warns before a run that will not fit the JVM's heap, and only then. */
class SimHeapWarningTest {
    private static final long GIB = 1L << 30;

    @Test
    void aHundredThousandViewersOnTheDefaultHeapOfThisMachineAreWarnedWithTheFlagToPass() {
        String warning = SimCommand.heapWarning(100_000, 6 * GIB); // a quarter of 24 GiB: the JVM's default
        assertThat(warning).isNotNull().contains("100000 viewers").contains("-Xmx15g");
    }

    @Test
    void runsThatFitAreNotWarned() {
        assertThat(SimCommand.heapWarning(10_000, 6 * GIB)).isNull();
        assertThat(SimCommand.heapWarning(100_000, 21 * GIB)).isNull();
        assertThat(SimCommand.heapWarning(1_000_000, Long.MAX_VALUE)).as("no limit set").isNull();
    }

    @Test
    void theLimitFollowsTheMeasuredFootprint() {
        long needed = 30_000 * SimCommand.HEAP_BYTES_PER_VIEWER;
        assertThat(SimCommand.heapWarning(30_000, needed)).as("no room for the rest of the JVM").isNotNull();
        assertThat(SimCommand.heapWarning(30_000, needed + 2 * GIB)).isNull();
    }
}
