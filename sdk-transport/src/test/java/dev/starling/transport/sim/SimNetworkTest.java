package dev.starling.transport.sim;

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
}
