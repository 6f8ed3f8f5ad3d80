package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelKeys;
import dev.starling.api.ChannelLink;
import dev.starling.api.StreamConfig;
import dev.starling.api.Viewer;
import dev.starling.core.engine.EngineConfig;
import dev.starling.core.engine.PeerEngine;
import dev.starling.core.node.Node;
import dev.starling.core.node.NodeBroadcaster;
import dev.starling.core.node.NodeViewer;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.PieceSigner;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** App code written against the public Broadcaster and Viewer runs on the simulated network unchanged. */
class PublicApiOnSimTest {
    @Test
    void publishedChunksArriveWholeAndInOrderAndTheEndIsSeen() {
        SimNetwork net = new SimNetwork(42, 10, 50, 0);
        ChannelKeys keys = ChannelKeys.generate();
        StreamConfig stream = StreamConfig.defaults();
        EngineConfig engine = EngineConfig.defaults(stream);
        Ed25519PieceVerifier verifier = new Ed25519PieceVerifier(keys.channelId());

        SimTransport bt = net.newTransport(100_000_000);
        Node bNode = new Node(bt, (out, now) -> new PeerEngine(keys.channelId(), new PieceSigner(keys), 1, verifier,
                engine, 100_000_000, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, now, out));
        bNode.start(new InetSocketAddress(7000));
        ChannelLink link = ChannelLink.of(keys.channelId()).withPeer(bt.address());
        Broadcaster broadcaster = new NodeBroadcaster(bNode, link, 1, stream, () -> net.nowNs() / 1000);

        SimTransport vt = net.newTransport(10_000_000);
        Node vNode = new Node(vt, (out, now) -> new PeerEngine(link.channelId(), null, 0, verifier, engine,
                10_000_000, new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 2, now, out));
        vNode.engine().addBootstrap(link.peers());
        vNode.start(new InetSocketAddress(7000));
        Viewer viewer = new NodeViewer(vNode, new SimExecutor(net), 64);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean[] ended = {false};
        viewer.onData((seq, bytes) -> got.writeBytes(bytes)).onEnd(() -> ended[0] = true);

        // 120 chunks of 20-60 KB (1 to 4 pieces each), one every 100 ms, a random access point every 10th.
        SplittableRandom r = new SplittableRandom(7);
        List<byte[]> chunks = new ArrayList<>();
        List<Long> firstSeqs = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            byte[] chunk = new byte[20_000 + r.nextInt(40_000)];
            r.nextBytes(chunk);
            chunks.add(chunk);
            int index = i;
            net.at(i * 100_000_000L, () -> firstSeqs.add(broadcaster.publish(chunk, index % 10 == 0)));
        }
        net.at(12_100_000_000L, broadcaster::close);
        net.runUntil(20_000_000_000L);

        assertThat(ended[0]).as("end of stream reached the viewer").isTrue();
        assertThat(firstSeqs.get(1)).isEqualTo((chunks.get(0).length + 16383) / 16384); // chunks split in pieces
        // What the viewer got is the stream from some random access point on, byte for byte.
        byte[] received = got.toByteArray();
        int start = -1;
        for (int i = 0; i < chunks.size(); i += 10) {
            ByteArrayOutputStream tail = new ByteArrayOutputStream();
            for (int j = i; j < chunks.size(); j++) {
                tail.writeBytes(chunks.get(j));
            }
            if (java.util.Arrays.equals(tail.toByteArray(), received)) {
                start = i;
                break;
            }
        }
        assertThat(start).as("received bytes are the published stream from a random access point").isBetween(0, 30);
        assertThat(viewer.stats().piecesMissed()).isZero();
    }
}
