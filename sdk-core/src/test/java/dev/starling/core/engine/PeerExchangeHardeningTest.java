package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.CompactAddresses;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.WireException;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.PeerAddress;
import dev.starling.core.wire.proto.PeerExchange;
import java.net.Inet4Address;
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
    void aCompactFieldThatIsNotWholeAddressesOrCarriesTooManyDropsTheSender() {
        EngineHarness h = viewerWithNeighbours();
        h.control(LIAR, Control.newBuilder().setPeerExchange(PeerExchange.newBuilder()
                .setIpv4(ByteString.copyFrom(new byte[CompactAddresses.RECORD_BYTES * 3 + 1]))).build(), S);
        assertThat(h.disconnects).singleElement().asString().contains("not 7 bytes an address");

        EngineHarness g = viewerWithNeighbours();
        List<InetSocketAddress> many = new ArrayList<>();
        for (int i = 0; i < 49; i++) {
            many.add(addr("100.64." + i + ".1", 7000));
        }
        many.add(addr("2001:db8::1", 7000));
        many.add(addr("2001:db8::2", 7000));
        g.control(LIAR, pex(many), S); // 49 in the compact field and 2 as messages: 51
        assertThat(g.disconnects).singleElement().asString().contains("51 addresses exceeds 50");
    }

    @Test
    void anIpv4AddressSentAsAMessageByAnOlderPeerCountsAsInTheCompactField() {
        EngineHarness h = viewerWithNeighbours();
        h.control(LIAR, Control.newBuilder().setPeerExchange(PeerExchange.newBuilder()
                .addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(new byte[] {100, 64, 3, 1}))
                        .setPort(7000))
                .addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(new byte[] {127, 0, 0, 1}))
                        .setPort(7000))).build(), S);
        assertThat(h.engine.counters().peerAddressesRefused()).isEqualTo(1);
        h.engine.onTimer(2 * S);
        assertThat(h.dialled).containsExactly(addr("100.64.3.1", 7000));
    }

    @Test
    void theAddressOfAPeerBannedForForgeryIsNotTakenFromPeerExchange() {
        EngineHarness h = viewerWithNeighbours();
        long forger = 5;
        InetSocketAddress forgerAddress = addr("100.64.7.7", 7000);
        h.connectPeer(forger, forgerAddress, true, false, 0);
        Piece forged = new PieceSigner(ChannelKeys.generate()).sign(1, 0, 0, 0, Payload.wrap(new byte[8]));
        h.engine.onFrame(forger, PieceCodec.encodeHeader(forged), forged.payload(), S / 2);
        assertThat(h.disconnects).singleElement().asString().contains("BAD_SIGNATURE");
        h.engine.onDisconnected(forger, S / 2);
        h.control(HONEST, pex(List.of(forgerAddress, addr("100.64.8.8", 7000))), S);
        assertThat(h.engine.holdsCandidate(forgerAddress)).isFalse();
        assertThat(h.engine.holdsCandidate(addr("100.64.8.8", 7000))).isTrue();
        h.engine.onTimer(2 * S);
        assertThat(h.dialled).contains(addr("100.64.8.8", 7000)).doesNotContain(forgerAddress);
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
                assertThat(told(h.sent.get(i).getPeerExchange())).extracting(Told::address)
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
        List<Told> told = new ArrayList<>();
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sentTo.get(i) == HONEST && h.sent.get(i).hasPeerExchange()) {
                told.addAll(told(h.sent.get(i).getPeerExchange()));
            }
        }
        assertThat(told).filteredOn(t -> t.address().equals(addr("198.51.100.7", 7000))).singleElement()
                .extracting(Told::primaryPlus1).isEqualTo(0);
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
                for (Told t : told(h.sent.get(i).getPeerExchange())) {
                    toldToTold.add(t.address());
                }
            }
        }
        assertThat(toldToTold).containsExactlyInAnyOrder(addr("198.51.100.7", 7000), addr("192.0.2.8", 7000));
    }

    /** A peer exchange as the engine sends one: IPv4 addresses in the compact field, IPv6 ones as messages. */
    private static Control pex(List<InetSocketAddress> addresses) {
        PeerExchange.Builder b = PeerExchange.newBuilder();
        CompactAddresses v4 = new CompactAddresses(addresses.size());
        for (InetSocketAddress a : addresses) {
            if (a.getAddress() instanceof Inet4Address) {
                v4.add(a.getAddress().hashCode(), a.getPort(), 0);
            } else {
                b.addPeers(PeerAddress.newBuilder().setIp(ByteString.copyFrom(a.getAddress().getAddress()))
                        .setPort(a.getPort()));
            }
        }
        return Control.newBuilder().setPeerExchange(b.setIpv4(v4.toByteString())).build();
    }

    /** An address a peer exchange tells, with its primary substream plus one (0: not known). */
    record Told(InetSocketAddress address, int primaryPlus1) {
    }

    /** Everything a peer exchange tells, the compact IPv4 field first. */
    static List<Told> told(PeerExchange pex) {
        List<Told> told = new ArrayList<>();
        try {
            byte[] v4 = pex.getIpv4().toByteArray();
            for (int i = 0; i < CompactAddresses.count(pex.getIpv4()); i++) {
                int ip = CompactAddresses.ip(v4, i);
                InetAddress a = InetAddress.getByAddress(
                        new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
                told.add(new Told(new InetSocketAddress(a, CompactAddresses.port(v4, i)),
                        CompactAddresses.primaryPlus1(v4, i)));
            }
            for (PeerAddress pa : pex.getPeersList()) {
                told.add(new Told(new InetSocketAddress(InetAddress.getByAddress(pa.getIp().toByteArray()),
                        pa.getPort()), pa.getPrimarySubstream()));
            }
        } catch (UnknownHostException | WireException e) {
            throw new IllegalStateException(e);
        }
        return told;
    }

    private static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
