package dev.starling.core.engine;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelKeys;
import dev.starling.api.Gap;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.PieceVerifier;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Handshake;
import dev.starling.core.wire.proto.Subscribe;
import dev.starling.core.wire.proto.SubscribeReply;
import dev.starling.core.wire.proto.Unsubscribe;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** One viewer engine with a scripted peer, recording every output. */
final class EngineHarness implements EngineOutput {
    static final long PEER = 1;
    final List<Piece> delivered = new ArrayList<>();
    final List<Gap> gaps = new ArrayList<>();
    final List<String> disconnects = new ArrayList<>();
    final List<Control> sent = new ArrayList<>();
    final List<Long> sentTo = new ArrayList<>(); // the peer of each entry of sent
    final List<Payload> payloadsSent = new ArrayList<>(); // the payload of each entry of sent
    final List<InetSocketAddress> dialled = new ArrayList<>();
    final List<Object> linksSent = new ArrayList<>(); // the link the engine passed with each entry of sent
    final PeerEngine engine;
    final ChannelKeys keys;

    EngineHarness(ChannelKeys keys) {
        this(keys, EngineConfig.builder().build());
    }

    EngineHarness(ChannelKeys keys, EngineConfig config) {
        this(keys, config, false, 4_000_000);
    }

    private EngineHarness(ChannelKeys keys, EngineConfig config, boolean broadcaster, long uploadBps) {
        this(keys, new Ed25519PieceVerifier(keys.channelId()), config, broadcaster, uploadBps);
    }

    /** A viewer's engine that verifies with {@code verifier}. */
    EngineHarness(ChannelKeys keys, PieceVerifier verifier) {
        this(keys, verifier, EngineConfig.builder().build(), false, 4_000_000);
    }

    private EngineHarness(ChannelKeys keys, PieceVerifier verifier, EngineConfig config, boolean broadcaster,
                          long uploadBps) {
        this.keys = keys;
        this.engine = new PeerEngine(keys.channelId(), broadcaster ? new PieceSigner(keys) : null, broadcaster ? 1 : 0,
                verifier, config, uploadBps, new byte[16], 7, 0, this);
    }

    /** A broadcaster's engine (it publishes nothing unless told to) with this upload capacity. */
    static EngineHarness broadcaster(ChannelKeys keys, long uploadBps) {
        return new EngineHarness(keys, EngineConfig.builder().build(), true, uploadBps);
    }

    /** The control messages sent to one peer, in order. */
    List<Control> sentTo(long peer) {
        List<Control> to = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            if (sentTo.get(i) == peer) {
                to.add(sent.get(i));
            }
        }
        return to;
    }

    /** Connects the scripted peer and completes its handshake. */
    EngineHarness connectPeer(boolean broadcaster) {
        return connectPeer(PEER, new InetSocketAddress("127.0.0.1", 7000), false, broadcaster, 0);
    }

    /** Connects a peer with this connection id at {@code address} (listening on its port) and greets it. */
    EngineHarness connectPeer(long peer, InetSocketAddress address, boolean inbound, boolean broadcaster, long nowNs) {
        return connectPeer(peer, address, inbound, broadcaster, nowNs, 0, 0);
    }

    /** As above, with the upload and primary substream the peer declares in its handshake. */
    EngineHarness connectPeer(long peer, InetSocketAddress address, boolean inbound, boolean broadcaster, long nowNs,
                              long uploadBps, int primarySubstream) {
        engine.onConnected(peer, address, inbound, nowNs);
        engine.onFrame(peer, ControlCodec.encode(handshake(peer, address, broadcaster, uploadBps, primarySubstream)),
                Payload.empty(), nowNs);
        return this;
    }

    /** The handshake a scripted peer with this connection id sends. */
    Control handshake(long peer, InetSocketAddress address, boolean broadcaster, long uploadBps, int primarySubstream) {
        byte[] id = new byte[16];
        id[0] = 9;
        id[1] = (byte) peer;
        id[2] = (byte) (peer >> 8); // distinct ids for crowds of up to 65,536
        return Control.newBuilder().setHandshake(Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(keys.channelId().publicKey()))
                .setPeerId(UnsafeByteOperations.unsafeWrap(id)).setListenPort(address.getPort())
                .setBroadcaster(broadcaster).setUploadBps(uploadBps).setPrimarySubstream(primarySubstream)).build();
    }

    /** Delivers a control message from a peer. */
    void control(long peer, Control c, long nowNs) {
        engine.onFrame(peer, ControlCodec.encode(c), Payload.empty(), nowNs);
    }

    /** Delivers a subscribe to substream k from a peer. */
    void subscribe(long peer, int k, long nowNs) {
        subscribe(peer, k, false, nowNs);
    }

    /** Delivers a subscribe to substream k from a peer, as a last resort (to a broadcaster's reserve) if asked. */
    void subscribe(long peer, int k, boolean lastResort, long nowNs) {
        control(peer, Control.newBuilder().setSubscribe(
                Subscribe.newBuilder().setSubstream(k).setLastResort(lastResort)).build(), nowNs);
    }

    /** Delivers an unsubscribe from substream k from a peer. */
    void unsubscribe(long peer, int k, long nowNs) {
        control(peer, Control.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setSubstream(k)).build(), nowNs);
    }

    /** The last subscribe reply sent to a peer. */
    SubscribeReply lastReply(long peer) {
        return last(peer, Control::hasSubscribeReply, "subscribe reply").getSubscribeReply();
    }

    /** The last buffer map sent to a peer. */
    BufferMap lastBufferMap(long peer) {
        return last(peer, Control::hasBufferMap, "buffer map").getBufferMap();
    }

    private Control last(long peer, Predicate<Control> kind, String what) {
        List<Control> to = sentTo(peer);
        for (int i = to.size() - 1; i >= 0; i--) {
            if (kind.test(to.get(i))) {
                return to.get(i);
            }
        }
        throw new AssertionError("no " + what + " sent to peer " + peer);
    }

    void receive(Piece piece, long nowNs) {
        engine.onFrame(PEER, PieceCodec.encodeHeader(piece), piece.payload(), nowNs);
    }

    @Override
    public void send(long peer, Object link, byte[] header, Payload payload, long deadlineNs) {
        linksSent.add(link);
        send(peer, header, payload);
    }

    @Override
    public void send(long peer, byte[] header, Payload payload) {
        try {
            sent.add(ControlCodec.decode(header));
            sentTo.add(peer);
            payloadsSent.add(payload);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        payload.release();
    }

    @Override
    public long queuedBytes(long peer) {
        return 0;
    }

    @Override
    public void connect(InetSocketAddress address) {
        dialled.add(address);
    }

    @Override
    public void disconnect(long peer, String reason) {
        disconnects.add(reason);
    }

    @Override
    public void deliver(Piece piece) {
        delivered.add(piece);
    }

    @Override
    public void gap(Gap gap) {
        gaps.add(gap);
    }

    @Override
    public void endOfStream(long epoch) {
    }
}
