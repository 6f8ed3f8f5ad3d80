package dev.starling.transport.tcp;

import static org.assertj.core.api.Assertions.fail;

import dev.starling.api.spi.Transport;
import dev.starling.transport.TransportContractTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.function.BooleanSupplier;

/** The transport contract over {@code tcp} on loopback. */
public class TcpTransportContractTest extends TransportContractTest {
    static final long WAIT_MS = 10_000;

    @Override
    protected Transport newTransport() {
        return new TcpTransport();
    }

    @Override
    protected InetSocketAddress bindAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    @Override
    protected InetSocketAddress deadAddress() {
        // A port that was free a moment ago; nothing of ours listens there.
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected InetSocketAddress byHostName(InetSocketAddress bound) {
        return InetSocketAddress.createUnresolved("localhost", bound.getPort());
    }

    @Override
    protected void drive(String what, BooleanSupplier done) {
        await(what, done);
    }

    /** Waits on the recorders' signal (not a sleep) until {@code done} holds, for at most {@link #WAIT_MS}. */
    public static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        synchronized (EVENTS) {
            while (!done.getAsBoolean()) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    fail("timed out after " + WAIT_MS + " ms waiting for: " + what);
                }
                try {
                    EVENTS.wait(leftMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("interrupted waiting for: " + what);
                }
            }
        }
    }
}
