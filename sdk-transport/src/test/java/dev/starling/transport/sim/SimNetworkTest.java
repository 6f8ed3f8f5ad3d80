package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SimNetworkTest {
    private static final long S = 1_000_000_000L;

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anEventThatThrowsEndsTheRunWithItsErrorOnAnyNumberOfThreads(int threads) {
        SimNetwork net = new SimNetwork(1, 5, 5, 0, threads);
        SimTransport[] nodes = new SimTransport[20]; // spread over every lane
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = net.newTransport(1_000_000);
        }
        nodes[7].schedule(S / 2, () -> {
            throw new IllegalStateException("a node's event failed");
        });
        nodes[3].schedule(2 * S, () -> { });
        assertThatThrownBy(() -> net.runUntil(3 * S)).isInstanceOf(IllegalStateException.class)
                .hasMessage("a node's event failed");
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void interruptingTheCallingThreadEndsTheRun(int threads) {
        SimNetwork net = new SimNetwork(1, 5, 5, 0, threads);
        SimTransport[] nodes = new SimTransport[20];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = net.newTransport(1_000_000);
        }
        Thread caller = Thread.currentThread();
        boolean[] ranOn = new boolean[1];
        nodes[5].schedule(S, caller::interrupt); // as another thread would; with one thread, the caller itself
        nodes[9].schedule(10 * S, () -> ranOn[0] = true);
        try {
            assertThatThrownBy(() -> net.runUntil(20 * S)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("simulation interrupted");
            // On one thread the run is one window up to the next outside event; on more, windows are 5 ms long.
            assertThat(ranOn[0]).as("the run stopped at the next window's end").isEqualTo(threads == 1);
        } finally {
            Thread.interrupted(); // leave the test thread as it was
        }
    }
}
