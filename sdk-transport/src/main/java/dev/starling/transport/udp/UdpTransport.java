package dev.starling.transport.udp;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.FrameLimits;
import dev.starling.api.spi.Payload;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportLoop;
import dev.starling.core.util.AddressMac;
import dev.starling.transport.netty.HostNames;
import dev.starling.transport.netty.LoopOwner;
import dev.starling.transport.netty.NettyLoop;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code udp} transport on Netty datagrams: one socket per node, links multiplexed on it by connection id, each
 * an ordered, reliable, congestion-controlled stream of frames ({@link UdpLink}) that gives up a frame rather than
 * send it after its deadline. IPv4 and IPv6.
 *
 * <p>Opening a link never sends an address more than it sent us until that address has proven it receives there
 * (no amplification): a HELLO of at least {@value UdpWire#HELLO_BYTES} bytes is answered with a
 * {@value UdpWire#COOKIE_BYTES}-byte COOKIE (a keyed hash of the address, the client's id and the minute; no state
 * is kept), and only a CONNECT that returns a valid cookie creates a link. Anything else from a stranger is dropped
 * unanswered.
 *
 * <p>Datagrams that are not this transport's (their first byte is not {@link UdpWire#MAGIC}) go to the service
 * set with {@link #serveOtherDatagrams}: the broadcaster's built-in BEP 15 tracker shares the socket that way.
 *
 * <p>Built with its own one-thread event loop group, which {@link #close()} shuts down; or on a loop of a shared
 * group, which stays up.
 */
public final class UdpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(UdpTransport.class);
    private static final long TICK_MS = 10;
    private static final long FIRST_RETRY_NS = 200_000_000L;
    private static final long MINUTE_NS = 60_000_000_000L;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    private static final long RECENTLY_CLOSED_NS = 30_000_000_000L;
    private static final int MAX_REMEMBERED_CLOSED = 4_096;

    /** Answers datagrams that are not the transport's own (a BEP 15 tracker sharing the socket). */
    @FunctionalInterface
    public interface DatagramService {
        /** @return the reply to send to {@code from}, or null for none */
        byte[] onDatagram(byte[] datagram, InetSocketAddress from, long nowNs);
    }

    private final UdpConfig config;
    private final LoopOwner owner;
    private final EventLoop eventLoop;
    private final NettyLoop loop;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final UdpStats.Counters counters = new UdpStats.Counters();
    private final Map<Integer, UdpConnection> links = new HashMap<>(); // by our id
    private final Map<Integer, Dial> dials = new HashMap<>(); // by our (client) id
    private final Map<ClientKey, UdpConnection> accepted = new HashMap<>(); // inbound links by their client's id
    private List<UdpConnection> dirty = new ArrayList<>();
    private final SplittableRandom ids;
    private final SplittableRandom lossRandom;
    private final AddressMac cookieMac;
    private volatile NioDatagramChannel channel;
    private ScheduledFuture<?> ticker;
    private volatile ConnectionHandler handler;
    private volatile DatagramService otherDatagrams;
    private volatile boolean listening;
    /** Links closed lately, by our id: their peer's DATA or ACK is answered with CLOSE, in case ours was lost. */
    private final Map<Integer, Closed> recentlyClosed = new java.util.LinkedHashMap<>();
    /** Clients whose link closed lately, with when the memory ends: a late or replayed CONNECT makes no ghost link. */
    private final Map<ClientKey, Long> closedClients = new java.util.LinkedHashMap<>();
    private long nextConnectionId = 1;
    private volatile boolean closed;

    /** A transport with the default settings on its own event loop thread. */
    public UdpTransport() {
        this(UdpConfig.defaults());
    }

    /** A transport on its own event loop thread, which {@link #close()} stops. */
    public UdpTransport(UdpConfig config) {
        this(config, LoopOwner.ownThread("starling-udp"));
    }

    /** A transport on the next loop of a shared group, which {@link #close()} leaves running. */
    public UdpTransport(UdpConfig config, EventLoopGroup sharedGroup) {
        this(config, LoopOwner.onShared(sharedGroup));
    }

    private UdpTransport(UdpConfig config, LoopOwner owner) {
        this.config = Objects.requireNonNull(config, "config");
        this.owner = owner;
        this.eventLoop = owner.eventLoop();
        this.loop = owner.loop();
        SecureRandom seeds = new SecureRandom();
        byte[] secret = new byte[16];
        seeds.nextBytes(secret);
        this.cookieMac = new AddressMac(secret);
        this.ids = new SplittableRandom(seeds.nextLong());
        this.lossRandom = new SplittableRandom(config.lossSeed());
    }

    /** @return the settings */
    public UdpConfig config() {
        return config;
    }

    @Override
    public TransportLoop loop() {
        return loop;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The socket is bound before this returns (a busy port fails here). Callable from any thread.
     */
    @Override
    public InetSocketAddress listen(InetSocketAddress bindAddress, ConnectionHandler h) throws IOException {
        Objects.requireNonNull(h, "handler");
        if (closed) {
            throw new IOException("transport is closed");
        }
        this.handler = h;
        InetSocketAddress bound;
        synchronized (this) {
            if (channel != null) {
                throw new IllegalStateException("already bound to " + channel.localAddress());
            }
            bound = bind(bindAddress);
        }
        listening = true;
        log.debug("listening on udp {}", bound);
        return bound;
    }

    @Override
    public void handler(ConnectionHandler h) {
        this.handler = Objects.requireNonNull(h, "handler");
    }

    /**
     * Hands datagrams that are not this transport's to {@code service}, called on the transport's loop, and sends
     * its replies from the same socket. {@code null} stops it. Callable from any thread.
     */
    public void serveOtherDatagrams(DatagramService service) {
        this.otherDatagrams = service; // in effect for the next datagram read, whichever thread sets it
    }

    /** @return the address the socket is bound to, or null before it is */
    public InetSocketAddress localAddress() {
        NioDatagramChannel c = channel;
        return c == null ? null : (InetSocketAddress) c.localAddress();
    }

    /** @return what the transport has done so far (safe from any thread) */
    public UdpStats stats() {
        if (loop.inLoop()) {
            return counters.snapshot();
        }
        try {
            return eventLoop.submit(counters::snapshot).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return counters.snapshot(); // the loop is gone: the counters no longer change
        }
    }

    private InetSocketAddress bind(InetSocketAddress bindAddress) throws IOException {
        DatagramChannel socket = DatagramChannel.open();
        try {
            socket.bind(bindAddress);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot bind udp " + bindAddress + ": " + e.getMessage(), e);
        }
        NioDatagramChannel ch = new NioDatagramChannel(socket);
        ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(2048));
        ch.config().setOption(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES);
        ch.config().setOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        ch.pipeline().addLast(new Inbound());
        channel = ch;
        eventLoop.register(ch);
        loop.execute(() -> {
            if (!closed && ticker == null) {
                ticker = eventLoop.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
            }
        });
        return (InetSocketAddress) socket.getLocalAddress();
    }

    @Override
    public void connect(InetSocketAddress remote) {
        if (!loop.inLoop()) {
            loop.execute(() -> connect(remote));
            return;
        }
        if (closed) {
            return;
        }
        // A host name (a link may name one) is looked up off the loop and dialled at the address it resolved to;
        // the link and any failure still name the host as asked.
        HostNames.resolveThen(remote, loop::execute, resolved -> {
            if (!closed) {
                dial(resolved, remote);
            }
        }, reason -> failLater(remote, reason));
    }

    /** Dials {@code remote} (resolved) for the node's request to dial {@code asked}; on the loop. */
    private void dial(InetSocketAddress remote, InetSocketAddress asked) {
        if (links.size() + dials.size() >= config.maxConnections()) {
            failLater(asked, "connection limit of " + config.maxConnections() + " reached");
            return;
        }
        synchronized (this) {
            if (channel == null) {
                try {
                    bind(new InetSocketAddress(0)); // a node that only dials out still needs a socket
                } catch (IOException e) {
                    failLater(asked, e.getMessage());
                    return;
                }
            }
        }
        int id = freshId();
        Dial d = new Dial(id, remote, asked, loop.nowNs());
        dials.put(id, d);
        sendHandshake(d);
    }

    private void failLater(InetSocketAddress remote, String reason) {
        log.debug("not dialling {}: {}", remote, reason);
        loop.execute(() -> {
            if (!closed) {
                handler.onConnectFailed(remote, reason);
            }
        });
    }

    private int freshId() {
        int id;
        do {
            id = ids.nextInt();
        } while (id == 0 || links.containsKey(id) || dials.containsKey(id));
        return id;
    }

    /**
     * Closes every link (each peer is told) and the socket; with its own event loop, also stops that thread.
     * Called from outside the loop, returns once all of it is released. No handler events follow.
     */
    @Override
    public void close() {
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
        }
        owner.release(first ? this::closeOnLoop : null);
    }

    private void closeOnLoop() {
        long now = loop.nowNs();
        for (UdpConnection c : new ArrayList<>(links.values())) {
            c.link.flush(now); // what the node said last goes out with what the window takes now
            c.link.abort("transport closed");
        }
        links.clear();
        accepted.clear();
        dials.clear();
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (channel != null) {
            channel.flush();
            channel.close();
        }
    }

    // ------------------------------------------------------------------ sending

    private void write(ByteBuf datagram, InetSocketAddress to) {
        if (channel == null || !channel.isOpen()) {
            datagram.release();
            return;
        }
        if (config.injectedLossRate() > 0 && lossRandom.nextDouble() < config.injectedLossRate()) {
            counters.datagramsDroppedByInjectedLoss++;
            datagram.release();
            return;
        }
        counters.datagramsSent++;
        counters.bytesSent += datagram.readableBytes();
        channel.write(new DatagramPacket(datagram, to));
    }

    private void markDirty(UdpConnection c) {
        if (c.dirty) {
            return;
        }
        c.dirty = true;
        if (dirty.isEmpty()) {
            loop.execute(this::flushDirty); // one flush per burst: the engine queues to several peers in one task
        }
        dirty.add(c);
    }

    private void flushDirty() {
        if (dirty.isEmpty()) {
            return;
        }
        List<UdpConnection> batch = dirty;
        dirty = new ArrayList<>();
        long now = loop.nowNs();
        for (UdpConnection c : batch) {
            c.dirty = false;
            c.link.flush(now);
            settle(c);
        }
        if (channel != null) {
            channel.flush();
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        long now = loop.nowNs();
        // Each dial and link on its own: a timer task that throws is never run again, so nothing may escape.
        for (Dial d : new ArrayList<>(dials.values())) {
            try {
                if (now - d.startNs > config.connectTimeoutMs() * 1_000_000L) {
                    dials.remove(d.id);
                    String reason = "no handshake answer within " + config.connectTimeoutMs() + " ms";
                    log.debug("connect to {} failed: {}", d.asked, reason);
                    handler.onConnectFailed(d.asked, reason);
                } else if (now >= d.nextRetryNs) {
                    d.retryDelayNs *= 2;
                    sendHandshake(d);
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                log.warn("udp dial to {}: {}", d.remote, e.toString(), e);
            }
        }
        for (UdpConnection c : new ArrayList<>(links.values())) {
            try {
                c.link.tick(now);
            } catch (RuntimeException | OutOfMemoryError e) {
                log.warn("{}: {}", c, e.toString(), e);
                c.link.abort("internal error: " + e);
            }
            settle(c);
        }
        forgetOldClosed(now);
        flushDirty();
        if (channel != null) {
            channel.flush();
        }
    }

    /** After anything that may have closed a link: forget it and tell the node, once. */
    private void settle(UdpConnection c) {
        if (c.link.isClosed() && !c.gone) {
            c.gone = true;
            links.remove(c.localId);
            long now = loop.nowNs();
            recentlyClosed.put(c.localId, new Closed(c.remote, c.remoteId, now + RECENTLY_CLOSED_NS));
            if (c.clientKey != null) {
                accepted.remove(c.clientKey);
                closedClients.put(c.clientKey, now + 2 * MINUTE_NS); // a cookie lives up to 2 minutes
            }
            forgetOldClosed(now);
            log.debug("{} closed: {}", c, c.link.closedReason());
            if (!closed) {
                handler.onDisconnected(c, c.link.closedReason());
            }
        }
    }

    private void forgetOldClosed(long now) {
        for (var it = recentlyClosed.values().iterator(); it.hasNext(); ) {
            Closed c = it.next();
            if (c.untilNs > now && recentlyClosed.size() <= MAX_REMEMBERED_CLOSED) {
                break; // insertion order is expiry order
            }
            it.remove();
        }
        for (var it = closedClients.values().iterator(); it.hasNext(); ) {
            if (it.next() > now && closedClients.size() <= MAX_REMEMBERED_CLOSED) {
                break;
            }
            it.remove();
        }
    }

    private void sendHandshake(Dial d) {
        d.nextRetryNs = loop.nowNs() + d.retryDelayNs;
        ByteBuf b;
        if (d.cookie == null) {
            b = alloc.buffer(UdpWire.HELLO_BYTES, UdpWire.HELLO_BYTES);
            b.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.HELLO).writeInt(d.id)
                    .writeZero(UdpWire.HELLO_BYTES - 7);
        } else {
            b = alloc.buffer(UdpWire.CONNECT_BYTES, UdpWire.CONNECT_BYTES);
            b.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.CONNECT).writeInt(d.id)
                    .writeLong(d.cookie);
        }
        write(b, d.remote);
        channel.flush();
    }

    // ------------------------------------------------------------------ receiving

    private void onDatagram(ByteBuf in, InetSocketAddress from) {
        counters.datagramsReceived++;
        int length = in.readableBytes();
        counters.bytesReceived += length;
        if (length < 3 || !UdpWire.isOurs(in.getByte(in.readerIndex()))) {
            serveOther(in, from);
            return;
        }
        if (in.getByte(in.readerIndex() + 1) != UdpWire.VERSION || length < 7) {
            ignore(length, from, "unknown version or short");
            return;
        }
        byte type = in.getByte(in.readerIndex() + 2);
        in.skipBytes(3);
        int id = in.readInt();
        long now = loop.nowNs();
        switch (type) {
            case UdpWire.HELLO -> onHello(id, length, from, now);
            case UdpWire.CONNECT -> onConnect(id, in, length, from, now);
            case UdpWire.COOKIE -> onCookie(id, in, from);
            case UdpWire.ACCEPT -> onAccept(id, in, from, now);
            case UdpWire.DATA, UdpWire.ACK, UdpWire.CLOSE -> {
                UdpConnection c = links.get(id);
                if (c == null || !c.remote.equals(from)) {
                    Closed gone = c == null ? recentlyClosed.get(id) : null;
                    if (gone != null && gone.remote.equals(from) && type != UdpWire.CLOSE) {
                        // Our CLOSE may have been lost: say it again (7 bytes, less than any DATA or ACK).
                        ByteBuf b = alloc.buffer(7, 7);
                        b.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.CLOSE)
                                .writeInt(gone.remoteId);
                        write(b, from);
                        return;
                    }
                    ignore(length, from, "no such link");
                    return;
                }
                try {
                    if (type == UdpWire.DATA) {
                        c.link.onData(in, now);
                    } else if (type == UdpWire.ACK) {
                        c.link.onAck(in, now);
                    } else {
                        c.link.onClose(in);
                    }
                } catch (RuntimeException e) {
                    // From the node's handler (or a bug): this link is dropped, the socket and the others go on.
                    log.warn("{}: {}", c, e.toString(), e);
                    c.link.abort("internal error: " + e);
                } finally {
                    settle(c);
                    markDirty(c); // acknowledgements and what the window now allows go out after this batch of reads
                }
            }
            default -> ignore(length, from, "unknown type " + type);
        }
    }

    private void ignore(int length, InetSocketAddress from, String why) {
        counters.datagramsIgnored++;
        counters.unverifiedBytesReceived += length;
        log.trace("ignoring {} bytes from {}: {}", length, from, why);
    }

    private void serveOther(ByteBuf in, InetSocketAddress from) {
        DatagramService service = otherDatagrams;
        if (service == null) {
            ignore(in.readableBytes(), from, "not ours");
            return;
        }
        byte[] data = new byte[in.readableBytes()];
        in.readBytes(data);
        byte[] reply = service.onDatagram(data, from, loop.nowNs());
        if (reply != null) {
            write(Unpooled.wrappedBuffer(reply), from);
            channel.flush();
        }
    }

    private void onHello(int clientId, int length, InetSocketAddress from, long now) {
        counters.unverifiedBytesReceived += length;
        if (!listening || closed || length < UdpWire.HELLO_BYTES) {
            counters.datagramsIgnored++;
            return;
        }
        ByteBuf b = alloc.buffer(UdpWire.COOKIE_BYTES, UdpWire.COOKIE_BYTES);
        b.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.COOKIE).writeInt(clientId)
                .writeLong(cookie(from, clientId, now / MINUTE_NS));
        counters.unverifiedBytesSent += UdpWire.COOKIE_BYTES;
        write(b, from);
        channel.flush();
    }

    private void onConnect(int clientId, ByteBuf in, int length, InetSocketAddress from, long now) {
        if (!listening || closed || length != UdpWire.CONNECT_BYTES) {
            ignore(length, from, "bad connect");
            return;
        }
        long cookie = in.readLong();
        long minute = now / MINUTE_NS;
        if (cookie != cookie(from, clientId, minute) && cookie != cookie(from, clientId, minute - 1)) {
            ignore(length, from, "bad cookie"); // a spoofed or replayed connect: the address proved nothing
            return;
        }
        ClientKey key = new ClientKey(from, clientId);
        UdpConnection existing = accepted.get(key);
        if (existing != null) {
            sendAccept(existing); // our ACCEPT was lost: say it again
            return;
        }
        Long forgetAt = closedClients.get(key);
        if (forgetAt != null && forgetAt > now) {
            ignore(length, from, "connect for a link already closed"); // late or replayed: no ghost link
            return;
        }
        if (!from.getAddress().isLoopbackAddress() && inboundFrom(from) >= config.maxInboundPerIp()) {
            // One host must not take every slot (and every slot's reassembly memory). Loopback is exempt: a
            // swarm on one machine shares it.
            log.debug("refusing {}: {} inbound links from its address", from, config.maxInboundPerIp());
            counters.datagramsIgnored++;
            return;
        }
        if (links.size() + dials.size() >= config.maxConnections()) {
            log.debug("refusing {}: connection limit of {} reached", from, config.maxConnections());
            counters.datagramsIgnored++;
            return;
        }
        UdpConnection c = new UdpConnection(freshId(), clientId, from, null, key, now);
        links.put(c.localId, c);
        accepted.put(key, c);
        sendAccept(c);
        log.debug("{} up", c);
        handler.onConnected(c);
        settle(c);
    }

    private int inboundFrom(InetSocketAddress from) {
        int n = 0;
        for (UdpConnection c : links.values()) {
            if (c.inbound() && c.remote.getAddress().equals(from.getAddress())) {
                n++;
            }
        }
        return n;
    }

    private void sendAccept(UdpConnection c) {
        ByteBuf b = alloc.buffer(UdpWire.ACCEPT_BYTES, UdpWire.ACCEPT_BYTES);
        b.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.ACCEPT).writeInt(c.remoteId)
                .writeInt(c.localId);
        write(b, c.remote);
        channel.flush();
    }

    private void onCookie(int clientId, ByteBuf in, InetSocketAddress from) {
        Dial d = dials.get(clientId);
        if (d == null || !d.remote.equals(from) || in.readableBytes() != 8 || d.cookie != null) {
            ignore(in.readableBytes() + 7, from, "unexpected cookie");
            return;
        }
        d.cookie = in.readLong();
        d.retryDelayNs = FIRST_RETRY_NS;
        sendHandshake(d);
    }

    private void onAccept(int clientId, ByteBuf in, InetSocketAddress from, long now) {
        Dial d = dials.get(clientId);
        if (d == null || !d.remote.equals(from) || d.cookie == null || in.readableBytes() != 4) {
            ignore(in.readableBytes() + 7, from, "unexpected accept"); // a repeat of one already taken, or forged
            return;
        }
        dials.remove(clientId);
        UdpConnection c = new UdpConnection(clientId, in.readInt(), from, d.asked, null, now);
        links.put(c.localId, c);
        log.debug("{} up", c);
        handler.onConnected(c);
        settle(c);
    }

    private long cookie(InetSocketAddress from, int clientId, long minute) {
        return cookieMac.of(from, clientId, minute);
    }

    /** Reads datagrams on the loop; acknowledgements and sends go out once the batch of reads is done. */
    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            if (!closed) {
                onDatagram(packet.content(), packet.sender());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushDirty();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("udp socket error: {}", cause.toString()); // e.g. an ICMP error; the links time out on their own
        }
    }

    /** An outbound handshake in progress. */
    private static final class Dial {
        final int id;
        final InetSocketAddress remote;
        final InetSocketAddress asked; // as the node gave it: remote, or the host name remote was resolved from
        final long startNs;
        long nextRetryNs;
        long retryDelayNs = FIRST_RETRY_NS;
        Long cookie;

        Dial(int id, InetSocketAddress remote, InetSocketAddress asked, long startNs) {
            this.id = id;
            this.remote = remote;
            this.asked = asked;
            this.startNs = startNs;
        }
    }

    private record ClientKey(InetSocketAddress remote, int clientId) {
    }

    private record Closed(InetSocketAddress remote, int remoteId, long untilNs) {
    }

    /** One UDP link as the node sees it. */
    private final class UdpConnection implements Connection, UdpLink.Output {
        final long id = nextConnectionId++;
        final int localId;
        final int remoteId;
        final InetSocketAddress remote;
        final InetSocketAddress dialled; // null for an inbound link
        final ClientKey clientKey;
        final UdpLink link;
        boolean dirty;
        boolean gone;
        private Object attachment; // the handler's, touched on the loop only

        /** @param dialled the address the node asked to dial, null for an inbound link */
        UdpConnection(int localId, int remoteId, InetSocketAddress remote, InetSocketAddress dialled,
                      ClientKey clientKey, long nowNs) {
            this.localId = localId;
            this.remoteId = remoteId;
            this.remote = remote;
            this.dialled = dialled;
            this.clientKey = clientKey;
            this.link = new UdpLink(alloc, remoteId, this, config, counters, nowNs);
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public boolean inbound() {
            return dialled == null;
        }

        @Override
        public InetSocketAddress dialledAddress() {
            return dialled;
        }

        @Override
        public void send(byte[] header, Payload payload) {
            send(header, payload, Long.MAX_VALUE);
        }

        @Override
        public void send(byte[] header, Payload payload, long deadlineNs) {
            FrameLimits.requireWithinLimits(header, payload);
            if (!loop.inLoop()) {
                loop.execute(() -> send(header, payload, deadlineNs));
                return;
            }
            if (gone || closed) {
                payload.release();
                return;
            }
            link.send(header, payload, deadlineNs);
            if (link.pendingBytes() > config.maxQueuedBytes()) {
                link.abort("peer too slow: " + link.pendingBytes() + " bytes unacknowledged");
            }
            // No settle here: onDisconnected must not run inside the node's own send (it may be iterating its
            // peers); the flush this schedules reports it, as tcp reports a close from channelInactive.
            markDirty(this);
        }

        /** Bytes not yet on the wire; unacknowledged bytes in flight are not counted (see {@link #isWritable()}). */
        @Override
        public long queuedBytes() {
            return link.unsentBytes();
        }

        /** Whether unacknowledged bytes (queued or in flight) are below the high water mark. */
        @Override
        public boolean isWritable() {
            return link.writable();
        }

        @Override
        public void close(String reason) {
            if (!loop.inLoop()) {
                loop.execute(() -> close(reason));
                return;
            }
            link.close(reason, loop.nowNs());
            markDirty(this); // reported from the flush, not inside the caller's close
        }

        // ---- UdpLink.Output

        @Override
        public void datagram(ByteBuf datagram) {
            write(datagram, remote);
        }

        @Override
        public void frame(byte[] header, Payload payload) {
            if (closed || gone) {
                payload.release();
                return;
            }
            handler.onFrame(this, header, payload);
        }

        @Override
        public void writabilityChanged(boolean writable) {
            if (!closed && !gone) {
                handler.onWritabilityChanged(this, writable);
            }
        }

        @Override
        public Object attachment() {
            return attachment;
        }

        @Override
        public void attach(Object attachment) {
            this.attachment = attachment;
        }

        @Override
        public String toString() {
            return "udp " + id + (inbound() ? " from " : " to ") + remote;
        }
    }
}
