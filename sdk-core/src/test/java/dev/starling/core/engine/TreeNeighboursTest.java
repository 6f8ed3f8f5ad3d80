package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.api.ChannelKeys;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.PeerAddress;
import dev.starling.core.wire.proto.PeerExchange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A viewer chooses its neighbours by the tree they forward: mostly its own tree's forwarders (so the tree's
 * interior can grow wide), room kept for the other trees, and a neighbour let go when it has no parent in a tree.
 */
class TreeNeighboursTest {
    private static final long S = 1_000_000_000L;
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void dialsForwardersOfItsOwnSubstreamFirst() {
        EngineHarness h = new EngineHarness(keys);
        int own = h.engine.primarySubstream();
        h.connectPeer(2, addr("192.0.2.8", 7000), true, false, 0, 0, (own + 1) % 4);
        // 40 addresses, each in its own /24, 10 said to forward each substream.
        Set<InetSocketAddress> ownTree = new HashSet<>();
        PeerExchange.Builder pex = PeerExchange.newBuilder();
        for (int i = 0; i < 40; i++) {
            InetSocketAddress a = addr("100.64." + i + ".1", 7000);
            int k = i % 4;
            if (k == own) {
                ownTree.add(a);
            }
            pex.addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(a.getAddress().getAddress()))
                    .setPort(7000).setPrimarySubstream(k + 1));
        }
        h.control(2, Control.newBuilder().setPeerExchange(pex).build(), S);
        h.engine.onTimer(S);
        // Eight outbound dials, all to its own tree's forwarders; drawn at random, about two would be.
        assertThat(h.dialled).hasSize(8);
        assertThat(ownTree).containsAll(h.dialled);
    }

    @Test
    void inboundForwardersOfItsOwnTreeAreCappedSoTheOtherTreesKeepRoom() {
        EngineHarness h = new EngineHarness(keys);
        int own = h.engine.primarySubstream();
        for (int i = 0; i < 12; i++) {
            h.connectPeer(10 + i, addr("198.51." + i + ".1", 7000), true, false, 0, 0, own);
        }
        assertThat(h.disconnects).isEmpty();
        h.connectPeer(30, addr("198.51.30.1", 7000), true, false, 0, 0, own);
        assertThat(h.disconnects).containsExactly("peer limit reached");
        h.engine.onDisconnected(30, 0); // as the transport reports it
        h.connectPeer(31, addr("198.51.31.1", 7000), true, false, 0, 0, (own + 1) % 4);
        assertThat(h.disconnects).hasSize(1); // one forwarding another tree is still welcome
        assertThat(h.engine.peerCount()).isEqualTo(13);
    }

    @Test
    void withAFullTableAndNoParentInATreeItLetsOneIdleNeighbourGoAndDialsThatTreesForwarder() {
        EngineHarness h = new EngineHarness(keys);
        int own = h.engine.primarySubstream();
        // 18 neighbours (the table's limit), none forwarding substream `missing`, none offering a slot there.
        int missing = (own + 3) % 4;
        int[] others = {own, (own + 1) % 4, (own + 2) % 4};
        int[] forwarderOf = new int[18];
        for (int i = 0; i < 18; i++) {
            forwarderOf[i] = others[i % 3];
            h.connectPeer(10 + i, addr("198.51." + i + ".1", 7000), true, false, 0, 0, forwarderOf[i]);
        }
        InetSocketAddress wanted = addr("100.64.1.1", 7000);
        PeerExchange.Builder pex = PeerExchange.newBuilder();
        pex.addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(wanted.getAddress().getAddress()))
                .setPort(7000).setPrimarySubstream(missing + 1));
        h.control(10, Control.newBuilder().setPeerExchange(pex).build(), S);
        for (long t = S; t < 5 * S; t += S / 20) {
            h.engine.onTimer(t); // its neighbours are too new to give up on
        }
        assertThat(h.disconnects).isEmpty();
        for (long t = 5 * S; t < 6 * S; t += S / 20) {
            h.engine.onTimer(t);
        }
        assertThat(h.disconnects).hasSize(1);
        assertThat(h.disconnects.get(0)).isEqualTo("making room for a parent in substream " + missing);
        assertThat(h.dialled).contains(wanted);
        assertThat(h.engine.counters().peersRotated()).isEqualTo(1);
    }

    private static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
