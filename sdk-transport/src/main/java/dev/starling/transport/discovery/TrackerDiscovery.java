package dev.starling.transport.discovery;

import dev.starling.api.ChannelId;
import dev.starling.api.spi.PeerDiscovery;
import dev.starling.api.spi.TransportLoop;
import dev.starling.core.tracker.AnnounceReply;
import dev.starling.core.tracker.HttpTrackerProtocol;
import dev.starling.core.tracker.HttpTrackerSession;
import dev.starling.core.tracker.TrackerReplyException;
import dev.starling.core.tracker.UdpTrackerSession;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds peers through one BitTorrent tracker: UDP ({@code udp://host:port/announce}, BEP 15) or HTTP
 * ({@code http://host:port/announce}, BEP 3 with compact peers, BEP 23 and BEP 7). The info-hash is the SHA-1 of
 * the channel's public key ({@link ChannelId#infoHash()}), so any tracker (opentracker, chihaya, aquatic) serves a channel
 * unchanged. Announces {@code started}, then at the tracker's interval, and {@code stopped} on {@link #close}.
 *
 * <p>The tracker is untrusted: replies that are malformed, oversized, for no request of ours, or (UDP) from another
 * address are ignored, counted in {@link #stats()} and logged once each. A tracker that stops answering is asked
 * again after the retry base, doubling up to 256 times it; peers already found are kept meanwhile, and the first
 * answer after it returns is used at once. Its refusals ({@code failure reason}) reach the app through
 * {@link Builder#onError}.
 */
public final class TrackerDiscovery implements PeerDiscovery {
    private static final Logger log = LoggerFactory.getLogger(TrackerDiscovery.class);
    private static final int MAX_DATAGRAM_BYTES = 2048;
    private static final int HTTP_TIMEOUT_MS = 10_000;

    private final URI tracker;
    private final boolean udp;
    private final long retryBaseNs;
    private final Consumer<String> onError;
    private final EventLoopGroup ownedGroup;
    private final EventLoop eventLoop;

    // Owned by the event loop.
    private UdpTrackerSession udpSession;
    private HttpTrackerSession httpSession;
    private InetSocketAddress trackerAddress;
    private Channel datagramChannel;
    private Consumer<List<InetSocketAddress>> onPeers;
    private TransportLoop nodeLoop;
    private ScheduledFuture<?> wake;
    private boolean closed;
    private long announcesSent;
    private long repliesAccepted;
    private long repliesRejected;
    private long repliesFromWrongAddress;
    private long peersReceived;
    private long peersIgnored;
    private String lastError;
    private final java.util.Set<String> loggedOnce = new java.util.HashSet<>();
    private final java.util.concurrent.CountDownLatch announced = new java.util.concurrent.CountDownLatch(1);

    private TrackerDiscovery(Builder b) {
        this.tracker = b.tracker;
        this.udp = "udp".equals(b.tracker.getScheme());
        this.retryBaseNs = TimeUnit.MILLISECONDS.toNanos(b.retryBaseMs);
        this.onError = b.onError;
        if (b.group != null) {
            this.ownedGroup = null;
            this.eventLoop = b.group.next();
        } else {
            this.ownedGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("starling-tracker", true));
            this.eventLoop = ownedGroup.next();
        }
    }

    /** @return a builder for a tracker announce URL, {@code udp://host:port/announce} or {@code http://...} */
    public static Builder builder(URI tracker) {
        return new Builder(tracker);
    }

    /** @return a tracker client with the defaults (retry base 15 s, own thread) */
    public static TrackerDiscovery of(URI tracker) {
        return builder(tracker).build();
    }

    @Override
    public void start(ChannelId channel, InetSocketAddress localAddress, TransportLoop loop,
                      Consumer<List<InetSocketAddress>> onPeers) {
        Objects.requireNonNull(onPeers, "onPeers");
        byte[] infoHash = channel.infoHash();
        byte[] peerId = peerId();
        int port = localAddress.getPort();
        // Resolved here, on the caller's thread, so a slow name server never stalls an event loop.
        InetSocketAddress resolved;
        try {
            resolved = new InetSocketAddress(InetAddress.getByName(tracker.getHost()),
                    tracker.getPort() > 0 ? tracker.getPort() : 80);
        } catch (UnknownHostException e) {
            resolved = null;
        }
        InetSocketAddress address = resolved;
        eventLoop.execute(() -> {
            this.onPeers = onPeers;
            this.nodeLoop = loop;
            if (address == null) {
                error("tracker " + tracker + ": unknown host", true);
                return;
            }
            trackerAddress = address;
            long now = System.nanoTime();
            if (udp) {
                int addressBytes = trackerAddress.getAddress() instanceof Inet6Address ? 16 : 4;
                udpSession = new UdpTrackerSession(infoHash, peerId, port, addressBytes, retryBaseNs,
                        new SecureRandom().nextLong(), now);
                openDatagramChannel(addressBytes == 16);
            } else {
                httpSession = new HttpTrackerSession(infoHash, peerId, port, retryBaseNs, now);
                pump();
            }
        });
    }

    /** @return the announce URL this client uses */
    public URI tracker() {
        return tracker;
    }

    /** @return a latch that opens when the tracker first accepts this node's announce */
    public java.util.concurrent.CountDownLatch announced() {
        return announced;
    }

    /** @return what this client has done so far (safe from any thread) */
    public TrackerStats stats() {
        if (eventLoop.inEventLoop()) {
            return snapshot();
        }
        try {
            return eventLoop.submit(this::snapshot).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return snapshot(); // the loop is gone: the fields no longer change
        }
    }

    private TrackerStats snapshot() {
        return new TrackerStats(announcesSent, repliesAccepted, repliesRejected, repliesFromWrongAddress,
                peersReceived, peersIgnored, lastError);
    }

    /** Sends {@code stopped} where the tracker listed this node, then releases the socket and the thread. */
    @Override
    public void close() {
        var done = eventLoop.newPromise();
        try {
            eventLoop.execute(() -> {
                closed = true;
                if (wake != null) {
                    wake.cancel(false);
                }
                if (udpSession != null && datagramChannel != null) {
                    byte[] stopped = udpSession.stop(System.nanoTime());
                    if (stopped != null) {
                        datagramChannel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(stopped), trackerAddress))
                                .addListener(f -> datagramChannel.close().addListener(g -> done.trySuccess(null)));
                        return;
                    }
                    datagramChannel.close().addListener(g -> done.trySuccess(null));
                    return;
                }
                if (httpSession != null) {
                    String stopped = httpSession.stop();
                    if (stopped != null) {
                        get(stopped, done::trySuccess);
                        return;
                    }
                }
                done.trySuccess(null);
            });
            done.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Already shut down.
        }
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ UDP

    private void openDatagramChannel(boolean ipv6) {
        Bootstrap b = new Bootstrap().group(eventLoop)
                .channelFactory(() -> new NioDatagramChannel(ipv6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4))
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        onDatagram(packet);
                    }
                });
        b.bind(0).addListener(f -> {
            if (!f.isSuccess()) {
                error("tracker " + tracker + ": cannot open a UDP socket: " + f.cause(), true);
                return;
            }
            datagramChannel = ((io.netty.channel.ChannelFuture) f).channel();
            if (closed) {
                datagramChannel.close();
                return;
            }
            pump();
        });
    }

    private void onDatagram(DatagramPacket packet) {
        if (closed || udpSession == null) {
            return;
        }
        if (!packet.sender().equals(trackerAddress)) {
            repliesFromWrongAddress++;
            once("wrong-address", "ignoring a datagram from {}: not the tracker {}", packet.sender(), trackerAddress);
            return;
        }
        byte[] d = ByteBufUtil.getBytes(packet.content());
        try {
            AnnounceReply reply = udpSession.onDatagram(d, System.nanoTime());
            if (reply != null) {
                accept(reply);
            }
        } catch (TrackerReplyException e) {
            reject(e);
        }
        pump();
    }

    // ------------------------------------------------------------------ HTTP

    private void get(String query, Consumer<byte[]> onBody) {
        String path = (tracker.getRawPath() == null || tracker.getRawPath().isEmpty() ? "/" : tracker.getRawPath())
                + (tracker.getRawQuery() != null ? "?" + tracker.getRawQuery() + "&" : "?") + query;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers().set(HttpHeaderNames.HOST, tracker.getHost() + (tracker.getPort() > 0 ? ":" + tracker.getPort() : ""))
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.USER_AGENT, "starling");
        boolean[] answered = {false};
        new Bootstrap().group(eventLoop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, HTTP_TIMEOUT_MS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(HTTP_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                                .addLast(new HttpClientCodec(4096, 8192, 8192))
                                .addLast(new HttpObjectAggregator(HttpTrackerProtocol.MAX_REPLY_BYTES))
                                .addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                        answered[0] = true;
                                        ctx.close();
                                        if (!r.status().equals(HttpResponseStatus.OK)) {
                                            onBody.accept(null);
                                            error("tracker " + tracker + " answered HTTP " + r.status(), false);
                                            return;
                                        }
                                        onBody.accept(ByteBufUtil.getBytes(r.content()));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                        if (!answered[0]) {
                                            answered[0] = true;
                                            onBody.accept(null);
                                            error("tracker " + tracker + ": " + cause, false);
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        if (!answered[0]) {
                                            answered[0] = true;
                                            onBody.accept(null);
                                            error("tracker " + tracker + " closed without a reply", false);
                                        }
                                    }
                                });
                    }
                })
                .connect(trackerAddress).addListener(f -> {
                    if (f.isSuccess()) {
                        ((io.netty.channel.ChannelFuture) f).channel().writeAndFlush(request);
                    } else {
                        request.release();
                        if (!answered[0]) {
                            answered[0] = true;
                            onBody.accept(null);
                            error("tracker " + tracker + " unreachable: " + f.cause().getMessage(), false);
                        }
                    }
                });
    }

    private void onHttpBody(byte[] body) {
        if (closed || httpSession == null) {
            return;
        }
        long now = System.nanoTime();
        if (body == null) {
            httpSession.onFailure(now);
        } else {
            try {
                accept(httpSession.onReply(body, now));
            } catch (TrackerReplyException e) {
                reject(e);
            }
        }
        pump();
    }

    // ------------------------------------------------------------------ common

    /** Sends whatever the session has due, then sleeps until it next has something. */
    private void pump() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        long next;
        if (udpSession != null) {
            if (datagramChannel == null) {
                return;
            }
            for (byte[] d; (d = udpSession.poll(now)) != null; ) {
                announcesSent++;
                datagramChannel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(d), trackerAddress));
            }
            next = udpSession.nextWakeNs();
        } else {
            String query = httpSession.poll(now);
            if (query != null) {
                announcesSent++;
                get(query, this::onHttpBody);
            }
            next = httpSession.nextWakeNs();
        }
        if (wake != null) {
            wake.cancel(false);
        }
        if (next != Long.MAX_VALUE) {
            wake = eventLoop.schedule(this::pump, Math.max(0, next - now), TimeUnit.NANOSECONDS);
        }
    }

    private void accept(AnnounceReply reply) {
        repliesAccepted++;
        announced.countDown();
        peersReceived += reply.peers().size();
        peersIgnored += reply.peersIgnored();
        if (reply.peersIgnored() > 0) {
            once("ignored-peers", "tracker {} listed {} peers on ports below 1024 or by name; ignored", tracker,
                    reply.peersIgnored());
        }
        if (!reply.peers().isEmpty() && nodeLoop != null) {
            List<InetSocketAddress> peers = reply.peers();
            nodeLoop.execute(() -> onPeers.accept(peers));
        }
    }

    private void reject(TrackerReplyException e) {
        repliesRejected++;
        error("tracker " + tracker + ": " + e.getMessage(), e.isRefusal());
    }

    private void error(String message, boolean tellApp) {
        lastError = message;
        once(message.replaceAll("[0-9]+", "#"), "{}", message);
        if (tellApp && onError != null) {
            onError.accept(message);
        }
    }

    private void once(String key, String format, Object... args) {
        if (loggedOnce.size() < 64 && loggedOnce.add(key)) {
            log.warn(format, args);
        } else {
            log.debug(format, args);
        }
    }

    private static byte[] peerId() {
        // Azureus style, as trackers expect: client and version, then random bytes.
        byte[] id = new byte[20];
        byte[] prefix = "-ST0001-".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, id, 0, prefix.length);
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        System.arraycopy(random, 0, id, prefix.length, random.length);
        return id;
    }

    @Override
    public String toString() {
        return "tracker " + tracker;
    }

    /** Options for a {@link TrackerDiscovery}. */
    public static final class Builder {
        private final URI tracker;
        private long retryBaseMs = 15_000;
        private Consumer<String> onError;
        private EventLoopGroup group;

        private Builder(URI tracker) {
            this.tracker = Objects.requireNonNull(tracker, "tracker");
            String scheme = tracker.getScheme() == null ? "" : tracker.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("udp") && !scheme.equals("http")) {
                throw new IllegalArgumentException("tracker URL must be udp://host:port/announce or "
                        + "http://host:port/announce, got " + tracker);
            }
            if (tracker.getHost() == null || (scheme.equals("udp") && tracker.getPort() <= 0)) {
                throw new IllegalArgumentException("tracker URL needs a host" + (scheme.equals("udp") ? " and a port" : "")
                        + ": " + tracker);
            }
        }

        /** The first retry delay after an unanswered or failed announce, doubling after each (default 15 s, BEP 15). */
        public Builder retryBaseMs(long ms) {
            if (ms < 1) {
                throw new IllegalArgumentException("retryBaseMs must be positive, got " + ms);
            }
            this.retryBaseMs = ms;
            return this;
        }

        /** Receives the tracker's refusals ({@code failure reason}, BEP 15 error) and fatal errors, as text. */
        public Builder onError(Consumer<String> onError) {
            this.onError = onError;
            return this;
        }

        /** Runs on this group instead of a thread of its own (the group is not shut down by {@code close}). */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** @return the client; it does nothing until the node starts it */
        public TrackerDiscovery build() {
            return new TrackerDiscovery(this);
        }
    }
}
