package dev.starling.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Cancellable;
import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportLoop;
import dev.starling.core.CountingPayload;
import dev.starling.core.engine.EngineConfig;
import dev.starling.core.engine.PeerEngine;
import dev.starling.core.piece.Ed25519PieceVerifier;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node keeps its engine's record of each peer with the connection, and the engine hands the connection back with
 * every send; a connection the node let go of is never written to, whether its transport keeps attachments or not.
 */
class NodeLinkTest {
    private static final ChannelKeys KEYS = ChannelKeys.generate();

    /** A connection that records what is sent on it; it keeps attachments if asked to. */
    private static class RecordingConnection implements Connection {
        final List<byte[]> sent = new ArrayList<>();
        boolean closed;

        @Override
        public long id() {
            return 3;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("198.51.100.3", 7000);
        }

        @Override
        public boolean inbound() {
            return true;
        }

        @Override
        public void send(byte[] header, dev.starling.api.spi.Payload payload) {
            sent.add(header);
            payload.release();
        }

        @Override
        public long queuedBytes() {
            return 0;
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void close(String reason) {
            closed = true;
        }
    }

    private static final class AttachingConnection extends RecordingConnection {
        Object attachment;

        @Override
        public Object attachment() {
            return attachment;
        }

        @Override
        public void attach(Object attachment) {
            this.attachment = attachment;
        }
    }

    /** A transport whose loop is the test's own thread, at time zero. */
    private static final class StillTransport implements Transport, TransportLoop {
        @Override
        public TransportLoop loop() {
            return this;
        }

        @Override
        public InetSocketAddress listen(InetSocketAddress bindAddress, ConnectionHandler handler) {
            return bindAddress;
        }

        @Override
        public void handler(ConnectionHandler handler) {
        }

        @Override
        public void connect(InetSocketAddress remote) {
        }

        @Override
        public void close() {
        }

        @Override
        public long nowNs() {
            return 0;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public Cancellable schedule(long delayNs, Runnable task) {
            return () -> { };
        }

        @Override
        public boolean inLoop() {
            return true;
        }
    }

    private static Node node() {
        return new Node(new StillTransport(), (out, nowNs) -> new PeerEngine(KEYS.channelId(), null, 0,
                new Ed25519PieceVerifier(KEYS.channelId()), EngineConfig.builder().build(), 4_000_000,
                new byte[16], 1, nowNs, out));
    }

    @Test
    void theEngineHandsTheAttachedConnectionBackWithEverySend() {
        Node node = node();
        AttachingConnection c = new AttachingConnection();
        node.onConnected(c);
        CountingPayload payload = new CountingPayload(new byte[] {7});
        node.send(c.id(), c, new byte[] {1}, payload, Long.MAX_VALUE);

        assertThat(c.attachment).isNotNull();
        assertThat(c.sent).hasSize(2); // the engine's handshake, then ours
        assertThat(payload.released()).isEqualTo(1);
    }

    @Test
    void aConnectionTheNodeLetGoOfIsNotWrittenTo() {
        for (RecordingConnection c : List.of(new AttachingConnection(), new RecordingConnection())) {
            Node node = node();
            node.onConnected(c);
            node.disconnect(c.id(), "test");
            int before = c.sent.size();
            CountingPayload payload = new CountingPayload(new byte[] {7});
            node.send(c.id(), c, new byte[] {1}, payload, Long.MAX_VALUE);

            assertThat(c.closed).isTrue();
            assertThat(c.attachment()).isNull();
            assertThat(c.sent).as(c.getClass().getSimpleName()).hasSize(before);
            assertThat(payload.released()).isEqualTo(1);
        }
    }

    @Test
    void aTransportThatKeepsNoAttachmentStillCarriesEverySend() {
        Node node = node();
        RecordingConnection c = new RecordingConnection();
        node.onConnected(c);
        node.send(c.id(), null, new byte[] {1}, new CountingPayload(new byte[] {7}), Long.MAX_VALUE);

        assertThat(c.sent).hasSize(2);
    }
}
