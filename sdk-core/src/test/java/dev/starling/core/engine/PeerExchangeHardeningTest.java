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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A viewer engine fed peer exchange by an honest neighbour and by a liar, through its real wire input. */
class PeerExchangeHardeningTest {
    private static final long S = 1_000_000_000L;
    private static final long LIAR = 2;
    private static final long HONEST = 3;
    private static final long TOLD = 4;
    private final ChannelKeys keys = ChannelKeys.generate();

    private EngineHarness viewerWithNeighbours() {
        EngineHarness h = new EngineHarness(keys);
        h.connectPeer(LIAR, addr("198.51.100.7", 7000), true, false, 0);
        h.connectPeer(HONEST, addr("192.0.2.8", 7000), true, false, 0);
        h.connectPeer(TOLD, addr("203.0.113.200", 7000), true, false, 0);
        return h;
    }

    @Test
    void fiftyAddressesInOneSubnetLeaveAtMostFourToDial() {
        EngineHarness h = viewerWithNeighbours();
        List<InetSocketAddress> sameSubnet = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            sameSubnet.add(addr("100.64.9." + i, 7000));
        }
        h.control(LIAR, pex(sameSubnet), S);
        h.engine.onTimer(2 * S);
        assertThat(h.dialled).hasSize(4).allMatch(a -> a.getHostString().startsWith("100.64.9."));
        assertThat(h.engine.counters().peerAddressesRefused()).isEqualTo(46);
    }

    @Test
    void aFloodOfPeerExchangeIsIgnoredBeyondTheRate() {
        EngineHarness h = viewerWithNeighbours();
        for (int i = 0; i < 10; i++) {
            h.control(LIAR, pex(List.of(addr("100.64." + i + ".1", 7000))), S);
        }
        // A burst of 2 is allowed, then one per 5 s.
        assertThat(h.engine.counters().peerExchangesIgnored()).isEqualTo(8);
        h.control(LIAR, pex(List.of(addr("100.65.0.1", 7000))), 6 * S);
        assertThat(h.engine.counters().peerExchangesIgnored()).isEqualTo(8);
    }

    @Test
    void aStrangerCannotAimTheSwarmAtThisMachineOrAtLowPorts() {
        EngineHarness h = viewerWithNeighbours();
        h.control(LIAR, pex(List.of(addr("127.0.0.1", 7000), addr("::1", 7000), addr("192.0.2.50", 22),
                addr("0.0.0.0", 7000), addr("224.0.0.5", 7000))), S);
        h.engine.onTimer(2 * S);
        assertThat(h.dialled).isEmpty();
        assertThat(h.engine.counters().peerAddressesRefused()).isEqualTo(5);
    }

    @Test
    void aPortBeyondTwoToTheThirtyFirstIsRefusedNotThrown() {
        // uint32 on the wire, a negative int in Java: it must not reach InetSocketAddress.
        EngineHarness h = viewerWithNeighbours();
        Control bad = Control.newBuilder().setPeerExchange(PeerExchange.newBuilder()
                .addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(new byte[] {100, 64, 1, 1})).setPort(-1))
                .addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(new byte[] {100, 64, 1, 2}))
                        .setPort(Integer.MIN_VALUE + 7000))
                .addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(new byte[] {100, 64, 2, 1})).setPort(7000)))
                .build();
        h.control(LIAR, bad, S);
        assertThat(h.engine.counters().peerAddressesRefused()).isEqualTo(2);
        h.engine.onTimer(2 * S);
        assertThat(h.dialled).containsExactly(addr("100.64.2.1", 7000));
    }

    @Test
    void aListenPortBeyondTwoToTheThirtyFirstMeansNoneNotACrash() {
        EngineHarness h = new EngineHarness(keys);
        h.engine.onConnected(LIAR, addr("198.51.100.7", 40000), true, 0);
        Control hs = Control.newBuilder().setHandshake(dev.starling.core.wire.proto.Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(ByteString.copyFrom(keys.channelId().publicKey()))
                .setPeerId(ByteString.copyFrom(new byte[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}))
                .setListenPort(-2)).build();
        h.control(LIAR, hs, 0);
        h.connectPeer(HONEST, addr("192.0.2.8", 7000), true, false, 0);
        h.sent.clear();
        h.sentTo.clear();
        h.engine.onTimer(11 * S); // peer exchange: the liar has no address to pass on
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sentTo.get(i) == HONEST && h.sent.get(i).hasPeerExchange()) {
                assertThat(h.sent.get(i).getPeerExchange().getPeersList()).extracting(PeerExchangeHardeningTest::toAddress)
                        .noneMatch(a -> a.getHostString().equals("198.51.100.7"));
            }
        }
        assertThat(h.disconnects).isEmpty();
    }

    @Test
    void aPrimarySubstreamBeyondTwoToTheThirtyFirstIsPassedOnAsNotKnown() {
        EngineHarness h = new EngineHarness(keys);
        h.connectPeer(LIAR, addr("198.51.100.7", 7000), true, false, 0, 0, -3);
        h.connectPeer(HONEST, addr("192.0.2.8", 7000), true, false, 0);
        h.sent.clear();
        h.sentTo.clear();
        h.engine.onTimer(11 * S);
        List<PeerAddress> told = new ArrayList<>();
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sentTo.get(i) == HONEST && h.sent.get(i).hasPeerExchange()) {
                told.addAll(h.sent.get(i).getPeerExchange().getPeersList());
            }
        }
        assertThat(told).filteredOn(pa -> toAddress(pa).equals(addr("198.51.100.7", 7000))).singleElement()
                .extracting(PeerAddress::getPrimarySubstream).isEqualTo(0);
    }

    @Test
    void whatALiarSaysIsNeverPassedOnButConnectedPeersAre() {
        EngineHarness h = viewerWithNeighbours();
        List<InetSocketAddress> lies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            lies.add(addr("100.64." + i + ".1", 7000));
        }
        h.control(LIAR, pex(lies), S);
        h.sent.clear();
        h.sentTo.clear();
        h.engine.onTimer(11 * S); // the periodic exchange is due
        List<InetSocketAddress> toldToTold = new ArrayList<>();
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sentTo.get(i) == TOLD && h.sent.get(i).hasPeerExchange()) {
                for (PeerAddress pa : h.sent.get(i).getPeerExchange().getPeersList()) {
                    toldToTold.add(toAddress(pa));
                }
            }
        }
        assertThat(toldToTold).containsExactlyInAnyOrder(addr("198.51.100.7", 7000), addr("192.0.2.8", 7000));
    }

    private static Control pex(List<InetSocketAddress> addresses) {
        PeerExchange.Builder b = PeerExchange.newBuilder();
        for (InetSocketAddress a : addresses) {
            b.addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(a.getAddress().getAddress()))
                    .setPort(a.getPort()));
        }
        return Control.newBuilder().setPeerExchange(b).build();
    }

    private static InetSocketAddress toAddress(PeerAddress pa) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(pa.getIp().toByteArray()), pa.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
