package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.Payload;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the simulated links do beyond the transport contract. */
class SimTransportTest {
    private static final long MS = 1_000_000L;

    /** Records what happens at one end, with the virtual time of each event. */
    private static final class Recorder implements ConnectionHandler {
        final SimNetwork net;
        final List<String> events = new ArrayList<>();
        Connection connection;

        Recorder(SimNetwork net) {
            this.net = net;
        }

        @Override
        public void onConnected(Connection c) {
            connection = c;
        }

        @Override
        public void onFrame(Connection c, byte[] header, Payload payload) {
            events.add("frame of " + payload.length() + " bytes at " + net.nowNs() / MS + " ms");
            payload.release();
        }

        @Override
        public void onWritabilityChanged(Connection c, boolean writable) {
        }

        @Override
        public void onDisconnected(Connection c, String reason) {
            events.add(reason + " at " + net.nowNs() / MS + " ms");
        }

        @Override
        public void onConnectFailed(InetSocketAddress remote, String reason) {
            events.add("connect failed: " + reason);
        }
    }

    /**
     * Links a node uploading 100 KB a second ({@code sender}) to a fast one ({@code receiver}) over 10 ms one way
     * (5 ms access latency each side), and runs to 100 ms.
     */
    private static void connectSlowToFast(SimNetwork net, Recorder sender, Recorder receiver) {
        SimTransport slow = net.newTransport(800_000);
        SimTransport fast = net.newTransport(100_000_000);
        slow.handler(sender);
        slow.connect(fast.listen(new InetSocketAddress(0), receiver));
        net.runUntil(100 * MS);
        assertThat(sender.connection).as("connected").isNotNull();
        assertThat(receiver.connection).as("connected").isNotNull();
    }

    @Test
    void aCloseFollowsTheFramesQueuedBeforeItAsTcpsFinDoes() {
        // A node on a slow uplink says its last words and closes, as a broadcaster turning a viewer away does.
        // Before, the close overtook the queued frame, which the other end then dropped: a rejected viewer never
        // heard why, nor the addresses it was given, and dialled again.
        SimNetwork net = new SimNetwork(1, 10, 10, 0);
        Recorder sender = new Recorder(net);
        Recorder receiver = new Recorder(net);
        connectSlowToFast(net, sender, receiver);

        sender.connection.send(new byte[] {1}, Payload.wrap(new byte[50_000])); // 0.5 s on the wire
        sender.connection.close("goodbye");
        net.runUntil(2_000 * MS);

        assertThat(receiver.events).containsExactly(
                "frame of 50000 bytes at 610 ms", "closed by peer: goodbye at 610 ms");
    }

    @Test
    void aFrameSentToAClosedEndIsAnsweredWithAResetThatOvertakesTheQueue() {
        // As TCP answers data for a closed socket with a reset: the other end learns of the close one round trip
        // after it spoke, not when the closer's queued frames have drained (a parent would push to a child that
        // left for as long as the child's uplink was backed up).
        SimNetwork net = new SimNetwork(1, 10, 10, 0);
        Recorder sender = new Recorder(net);
        Recorder receiver = new Recorder(net);
        connectSlowToFast(net, sender, receiver);

        sender.connection.send(new byte[] {1}, Payload.wrap(new byte[50_000])); // arrives at 610 ms
        sender.connection.close("goodbye");
        receiver.connection.send(new byte[] {2}, Payload.wrap(new byte[10])); // reaches the closed end at 110 ms
        net.runUntil(2_000 * MS);

        assertThat(receiver.events).containsExactly("closed by peer: goodbye at 120 ms");
        assertThat(sender.events).as("the closer hears its own close, and no frame after it")
                .containsExactly("goodbye at 100 ms");
    }
}
