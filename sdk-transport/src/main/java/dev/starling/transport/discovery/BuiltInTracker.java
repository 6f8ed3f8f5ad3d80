package dev.starling.transport.discovery;

import dev.starling.api.ChannelId;
import dev.starling.core.tracker.TrackerServer;
import dev.starling.transport.netty.NettyLoop;
import dev.starling.transport.udp.UdpTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * The tracker a broadcaster serves for its own channel: a BEP 15 UDP tracker ({@link TrackerServer}) on one
 * socket and one daemon thread. The runtime starts one on the broadcaster's port number and names it in the
 * broadcaster's link, so a viewer given only the link finds other viewers with no tracker to set up. Any BitTorrent
 * client's UDP announce works against it; it serves no other info-hash.
 *
 * <p>Limits: 65,536 peers, 256 per source IP, a 120 s announce interval, 50 peers per reply. Strangers get no
 * more bytes than they sent (see {@link TrackerServer}).
 */
public final class BuiltInTracker implements AutoCloseable {
    /** The re-announce interval given to clients, in seconds. */
    public static final int INTERVAL_S = 120;
    static final int MAX_PEERS = 65_536;
    static final int MAX_PEERS_PER_IP = 256;
    private static final int MAX_DATAGRAM_BYTES = 2048;

    private final EventLoopGroup group; // null when sharing a udp transport's socket
    private final Channel channel; // null when sharing a udp transport's socket
    private final UdpTransport shared; // null with its own socket
    private final TrackerServer server; // confined to one event loop: the socket's or the transport's

    private BuiltInTracker(EventLoopGroup group, Channel channel, UdpTransport shared, TrackerServer server) {
        this.group = group;
        this.channel = channel;
        this.shared = shared;
        this.server = server;
    }

    private static TrackerServer newServer(ChannelId channelId) {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[16];
        random.nextBytes(secret);
        return new TrackerServer(channelId.infoHash(), secret, INTERVAL_S, MAX_PEERS, MAX_PEERS_PER_IP,
                random.nextLong());
    }

    /**
     * Serves {@code channelId}'s tracker on a {@code udp} transport's own socket (which the broadcaster's links use
     * too): tracker requests and the transport's datagrams are told apart by their first byte.
     */
    public static BuiltInTracker attach(ChannelId channelId, UdpTransport transport) {
        TrackerServer server = newServer(channelId);
        transport.serveOtherDatagrams(server::onDatagram);
        return new BuiltInTracker(null, null, transport, server);
    }

    /**
     * Starts serving {@code channelId}'s tracker on a UDP socket bound to {@code bind}.
     *
     * @throws IllegalStateException if the socket cannot be bound (the port is taken over UDP)
     */
    public static BuiltInTracker start(ChannelId channelId, InetSocketAddress bind) {
        TrackerServer server = newServer(channelId);
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("starling-builtin-tracker", true));
        Bootstrap b = new Bootstrap().group(group)
                .channel(NioDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        byte[] reply = server.onDatagram(ByteBufUtil.getBytes(packet.content()), packet.sender(),
                                System.nanoTime());
                        if (reply != null) {
                            ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply), packet.sender()));
                        }
                    }
                });
        var bound = b.bind(bind).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot serve a tracker on UDP " + bind + ": " + bound.cause(), bound.cause());
        }
        return new BuiltInTracker(group, bound.channel(), null, server);
    }

    /** @return the local address the tracker listens on */
    public InetSocketAddress localAddress() {
        return shared != null ? shared.localAddress() : (InetSocketAddress) channel.localAddress();
    }

    /** @return the announce URL for a tracker reachable at {@code advertised} */
    public static URI announceUrl(InetSocketAddress advertised) {
        String host = advertised.getAddress() instanceof Inet6Address
                ? "[" + advertised.getAddress().getHostAddress() + "]" : advertised.getAddress().getHostAddress();
        return URI.create("udp://" + host + ":" + advertised.getPort() + "/announce");
    }

    /** @return what the tracker has done so far (safe from any thread) */
    public BuiltInTrackerStats stats() {
        try {
            var loop = shared != null ? ((NettyLoop) shared.loop()).eventLoop() : channel.eventLoop();
            return loop.submit(this::snapshot).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return snapshot(); // the loop is gone: the counters no longer change
        }
    }

    private BuiltInTrackerStats snapshot() {
        TrackerServer.Stats s = server.stats();
        return new BuiltInTrackerStats(server.peers(), s.connects(), s.announces(), s.refused(), s.ignored());
    }

    /** Closes the socket and stops the thread (or, sharing a transport's socket, stops answering on it). */
    @Override
    public void close() {
        if (shared != null) {
            shared.serveOtherDatagrams(null);
            return;
        }
        channel.close().awaitUninterruptibly(3, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
