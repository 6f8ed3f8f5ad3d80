package dev.starling.transport.udp;

import dev.starling.api.spi.Transport;
import dev.starling.transport.TransportContractTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/** The transport contract over {@code udp} on loopback. */
class UdpTransportContractTest extends TransportContractTest {
    /** A short handshake timeout: a dial to a silent port fails by timeout (UDP has no refusal to wait for). */
    static final UdpConfig CONFIG = UdpConfig.builder().connectTimeoutMs(1_000).build();

    @Override
    protected Transport newTransport() {
        return new UdpTransport(CONFIG);
    }

    @Override
    protected InetSocketAddress bindAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    @Override
    protected InetSocketAddress deadAddress() {
        // A UDP port that was free a moment ago; nothing of ours answers there.
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
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
        dev.starling.transport.tcp.TcpTransportContractTest.await(what, done);
    }
}
