package dev.starling.transport.tcp;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.FrameLimits;
import dev.starling.api.spi.Payload;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportLoop;
import dev.starling.transport.netty.ByteBufPayload;
import dev.starling.transport.netty.Frame;
import dev.starling.transport.netty.HostNames;
import dev.starling.transport.netty.LoopOwner;
import dev.starling.transport.netty.NettyFrames;
import dev.starling.transport.netty.NettyLoop;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp} transport on Netty: length-prefixed frames ({@link FrameEncoder}, {@link FrameDecoder}) with a
 * hard maximum, IPv4 and IPv6. Every channel of one transport lives on one event loop, the same one its node's
 * engine runs on, so the engine needs no locks. Piece payloads received here are slices of the socket's buffers
 * and go out to other peers as the same buffers, reference counted, never copied.
 *
 * <p>Limits: at most {@link TcpConfig#maxConnections()} links; a link must deliver its first frame within the
 * handshake timeout and some frame within every idle timeout; a link whose unsent queue passes
 * {@link TcpConfig#maxQueuedBytes()} is closed. Each refusal and close is logged with the peer and the reason.
 *
 * <p>Built with its own one-thread event loop group, which {@link #close()} shuts down; or on a loop of a shared
 * group, which stays up (many nodes in one process, as in {@code demo --transport tcp}).
 */
public final class TcpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(TcpTransport.class);
    /** How long a closing link may take to send what was queued before it. */
    private static final long LINGER_MS = 2_000;
    /** The address a dialled channel was asked for (a host name unresolved), for {@link Connection#dialledAddress}. */
    private static final AttributeKey<InetSocketAddress> DIALLED = AttributeKey.valueOf("starling.dialled");

    private final TcpConfig config;
    private final LoopOwner owner;
    private final NettyLoop loop;
    private final Bootstrap dialer;
    /** Every channel this transport holds, pending dials included (for the connection limit and close). */
    private final Set<Channel> channels = new HashSet<>();
    private final List<TcpConnection> unflushed = new ArrayList<>();
    private ConnectionHandler handler;
    private Channel serverChannel;
    private long nextConnectionId = 1;
    private volatile boolean closed;

    /** A transport with the default settings on its own event loop thread. */
    public TcpTransport() {
        this(TcpConfig.defaults());
    }

    /** A transport on its own event loop thread, which {@link #close()} stops. */
    public TcpTransport(TcpConfig config) {
        this(config, LoopOwner.ownThread("starling-tcp"));
    }

    /** A transport on the next loop of a shared group, which {@link #close()} leaves running. */
    public TcpTransport(TcpConfig config, EventLoopGroup sharedGroup) {
        this(config, LoopOwner.onShared(sharedGroup));
    }

    private TcpTransport(TcpConfig config, LoopOwner owner) {
        this.config = Objects.requireNonNull(config, "config");
        this.owner = owner;
        this.loop = owner.loop();
        this.dialer = new Bootstrap().group(owner.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .handler(new LinkInitializer(false));
    }

    private WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(config.writeLowWaterBytes(), config.writeHighWaterBytes());
    }

    /** @return the settings */
    public TcpConfig config() {
        return config;
    }

    @Override
    public TransportLoop loop() {
        return loop;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The socket is bound before this returns (so a busy port fails here, with its {@link IOException}); it
     * starts accepting on the loop right after. Callable from any thread.
     */
    @Override
    public InetSocketAddress listen(InetSocketAddress bindAddress, ConnectionHandler h) throws IOException {
        Objects.requireNonNull(h, "handler");
        if (closed) {
            throw new IOException("transport is closed");
        }
        if (serverChannel != null) {
            throw new IllegalStateException("already listening on " + serverChannel.localAddress());
        }
        this.handler = h;
        ServerSocketChannel socket = ServerSocketChannel.open();
        try {
            socket.bind(bindAddress, 128);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on " + bindAddress + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) socket.getLocalAddress();
        ServerBootstrap acceptor = new ServerBootstrap().group(loop.eventLoop(), loop.eventLoop())
                .channelFactory((io.netty.channel.ChannelFactory<ServerChannel>) () -> new NioServerSocketChannel(socket))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .childHandler(new LinkInitializer(true));
        serverChannel = acceptor.register().channel();
        log.debug("listening on {}", bound);
        return bound;
    }

    @Override
    public void handler(ConnectionHandler h) {
        this.handler = Objects.requireNonNull(h, "handler");
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
        // A host name (a link may name one) is looked up off the loop, not by Netty's default resolver, which
        // blocks the loop; the link and any failure still name the host as asked.
        HostNames.resolveThen(remote, loop::execute, resolved -> {
            if (!closed) {
                dial(resolved, remote);
            }
        }, reason -> failLater(remote, reason));
    }

    private void failLater(InetSocketAddress asked, String reason) {
        log.debug("not dialling {}: {}", asked, reason);
        loop.execute(() -> {
            if (!closed) {
                handler.onConnectFailed(asked, reason);
            }
        });
    }

    /** Dials {@code target} (resolved) for the node's request to dial {@code remote}; on the loop. */
    private void dial(InetSocketAddress target, InetSocketAddress remote) {
        if (channels.size() >= config.maxConnections()) {
            failLater(remote, "connection limit of " + config.maxConnections() + " reached");
            return;
        }
        ChannelFuture dial = dialer.clone().attr(DIALLED, remote).connect(target);
        channels.add(dial.channel());
        dial.addListener(f -> {
            if (!f.isSuccess()) {
                channels.remove(dial.channel());
                String reason = describe(f.cause());
                log.debug("connect to {} failed: {}", remote, reason);
                if (!closed) {
                    handler.onConnectFailed(remote, reason);
                }
            }
        });
    }

    /**
     * Closes every link and the listening socket; with its own event loop, also stops that thread. Called from
     * outside the loop, returns once all of it is released. No handler events follow.
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
        if (serverChannel != null) {
            serverChannel.close();
        }
        for (Channel c : new ArrayList<>(channels)) {
            c.flush(); // what the node said last (its goodbyes) goes out with what the socket takes now
            c.close();
        }
    }

    private void flushLater(TcpConnection c) {
        if (c.flushPending) {
            return;
        }
        c.flushPending = true;
        if (unflushed.isEmpty()) {
            // One flush per burst of sends: the engine queues a piece to several peers in one task.
            loop.execute(this::flushAll);
        }
        unflushed.add(c);
    }

    private void flushAll() {
        for (TcpConnection c : unflushed) {
            c.flushPending = false;
            c.channel.flush();
        }
        unflushed.clear();
    }

    private static String describe(Throwable cause) {
        if (cause instanceof DecoderException && cause.getMessage() != null) {
            return "bad frame: " + (cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage());
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** Builds a link's pipeline: idle timer, frame codec, and the handler that feeds the node. */
    private final class LinkInitializer extends ChannelInitializer<SocketChannel> {
        private final boolean inbound;

        LinkInitializer(boolean inbound) {
            this.inbound = inbound;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            if (inbound) {
                if (closed || channels.size() >= config.maxConnections()) {
                    log.debug("refusing {}: {}", ch.remoteAddress(),
                            closed ? "transport closed" : "connection limit of " + config.maxConnections() + " reached");
                    ch.close();
                    return;
                }
                channels.add(ch);
            }
            ch.closeFuture().addListener(f -> channels.remove(ch));
            ch.pipeline()
                    .addLast("idle", new IdleStateHandler(config.idleTimeoutMs(), 0, 0, TimeUnit.MILLISECONDS))
                    .addLast("decoder", new FrameDecoder())
                    .addLast("encoder", FrameEncoder.INSTANCE)
                    .addLast("link", new LinkHandler(inbound));
        }
    }

    /** Turns one channel's events into {@link ConnectionHandler} calls. */
    private final class LinkHandler extends ChannelInboundHandlerAdapter {
        private final boolean inbound;
        private TcpConnection connection;

        LinkHandler(boolean inbound) {
            this.inbound = inbound;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
            connection = new TcpConnection(nextConnectionId++, ch, remote, inbound ? null : ch.attr(DIALLED).get(),
                    inbound);
            TcpConnection c = connection;
            ch.eventLoop().schedule(() -> {
                if (!c.gotFrame) {
                    c.abort("no frame within the handshake timeout of " + config.handshakeTimeoutMs() + " ms");
                }
            }, config.handshakeTimeoutMs(), TimeUnit.MILLISECONDS);
            log.debug("{} up", c);
            if (closed) {
                c.abort("transport closed");
                return;
            }
            handler.onConnected(c);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame frame = (Frame) msg;
            TcpConnection c = connection;
            if (c == null || c.closeReason != null || closed) {
                frame.release();
                return;
            }
            c.gotFrame = true;
            ByteBuf payload = frame.payload();
            Payload p;
            if (payload.isReadable()) {
                p = new ByteBufPayload(payload);
            } else {
                payload.release();
                p = Payload.empty();
            }
            handler.onFrame(c, frame.header(), p);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            TcpConnection c = connection;
            if (c != null && !closed) {
                handler.onWritabilityChanged(c, ctx.channel().isWritable());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && connection != null) {
                connection.abort("nothing received for " + config.idleTimeoutMs() + " ms");
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String reason = describe(cause);
            if (cause instanceof DecoderException) {
                log.info("dropping {}: {}", connection != null ? connection : ctx.channel().remoteAddress(), reason);
            } else {
                log.debug("{} failed: {}", connection != null ? connection : ctx.channel().remoteAddress(), reason);
            }
            if (connection != null) {
                connection.abort(reason);
            } else {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            TcpConnection c = connection;
            if (c != null) {
                String reason = c.closeReason != null ? c.closeReason : "closed by peer";
                log.debug("{} closed: {}", c, reason);
                if (!closed) {
                    handler.onDisconnected(c, reason);
                }
            }
            ctx.fireChannelInactive();
        }
    }

    /** One TCP link. */
    private final class TcpConnection implements Connection {
        private final long id;
        private final Channel channel;
        private final InetSocketAddress remote;
        private final InetSocketAddress dialled;
        private final boolean inbound;
        private boolean gotFrame;
        private boolean flushPending;
        private String closeReason;
        private Object attachment; // the handler's, touched on the loop only

        TcpConnection(long id, Channel channel, InetSocketAddress remote, InetSocketAddress dialled, boolean inbound) {
            this.id = id;
            this.channel = channel;
            this.remote = remote;
            this.dialled = inbound ? null : dialled != null ? dialled : remote;
            this.inbound = inbound;
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
            return inbound;
        }

        @Override
        public InetSocketAddress dialledAddress() {
            return dialled;
        }

        @Override
        public void send(byte[] header, Payload payload) {
            FrameLimits.requireWithinLimits(header, payload);
            if (!loop.inLoop()) {
                loop.execute(() -> send(header, payload));
                return;
            }
            if (closeReason != null || !channel.isActive()) {
                payload.release();
                return;
            }
            NettyFrames.write(channel, header, payload);
            long queued = queuedBytes();
            if (queued > config.maxQueuedBytes()) {
                abort("peer too slow: " + queued + " bytes unsent");
                return;
            }
            flushLater(this);
        }

        @Override
        public long queuedBytes() {
            ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
            return out == null ? 0 : out.totalPendingWriteBytes();
        }

        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        /**
         * Sends what is queued, then closes: a node's last words (a goodbye, peer exchange) reach the peer, as
         * over any stream socket. A peer that does not read them within {@link #LINGER_MS} is cut off.
         */
        @Override
        public void close(String reason) {
            if (!loop.inLoop()) {
                loop.execute(() -> close(reason));
                return;
            }
            if (!noteReason(reason)) {
                return;
            }
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            channel.eventLoop().schedule(() -> channel.close(), LINGER_MS, TimeUnit.MILLISECONDS);
        }

        /** Closes now, dropping what is queued: for a peer that broke a rule or stopped reading. */
        void abort(String reason) {
            noteReason(reason);
            channel.close();
        }

        private boolean noteReason(String reason) {
            if (closeReason != null) {
                return false;
            }
            closeReason = reason;
            log.debug("closing {}: {}", this, reason);
            return true;
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
            return "tcp " + id + (inbound ? " from " : " to ") + remote;
        }
    }
}
