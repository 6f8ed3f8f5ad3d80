package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.fail;

import dev.starling.api.spi.Transport;
import dev.starling.transport.TransportContractTest;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/** The transport contract over the simulated network (no loss), in virtual time. */
class SimTransportContractTest extends TransportContractTest {
    private static final long STEP_NS = 1_000_000;
    private static final long LIMIT_NS = 60_000_000_000L;
    private final SimNetwork net = new SimNetwork(3, 5, 20, 0);

    @Override
    protected Transport newTransport() {
        return net.newTransport(100_000_000);
    }

    @Override
    protected InetSocketAddress bindAddress() {
        return new InetSocketAddress(0);
    }

    @Override
    protected InetSocketAddress deadAddress() {
        return new InetSocketAddress("10.255.255.1", 4000);
    }

    @Override
    protected void drive(String what, BooleanSupplier done) {
        long limit = net.nowNs() + LIMIT_NS;
        while (!done.getAsBoolean()) {
            if (net.nowNs() >= limit) {
                fail("not within 60 s of virtual time (seed 3): " + what);
            }
            net.runUntil(net.nowNs() + STEP_NS);
        }
    }
}
