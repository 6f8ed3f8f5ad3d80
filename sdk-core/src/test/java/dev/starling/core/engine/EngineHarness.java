package dev.starling.core.engine;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelKeys;
import dev.starling.api.Gap;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Handshake;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** One viewer engine with a scripted peer, recording every output. */
final class EngineHarness implements EngineOutput {
    static final long PEER = 1;
    final List<Piece> delivered = new ArrayList<>();
    final List<Gap> gaps = new ArrayList<>();
    final List<String> disconnects = new ArrayList<>();
    final List<Control> sent = new ArrayList<>();
    final PeerEngine engine;
    final ChannelKeys keys;

    EngineHarness(ChannelKeys keys) {
        this.keys = keys;
        this.engine = new PeerEngine(keys.channelId(), null, 0, new Ed25519PieceVerifier(keys.channelId()),
                EngineConfig.builder().build(), 4_000_000, new byte[16], 7, 0, this);
    }

    /** Connects the scripted peer and completes its handshake. */
    EngineHarness connectPeer(boolean broadcaster) {
        engine.onConnected(PEER, new InetSocketAddress("127.0.0.1", 7000), false, 0);
        byte[] id = new byte[16];
        id[0] = 9;
        Control hs = Control.newBuilder().setHandshake(Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(keys.channelId().publicKey()))
                .setPeerId(UnsafeByteOperations.unsafeWrap(id)).setListenPort(7000).setBroadcaster(broadcaster)).build();
        engine.onFrame(PEER, ControlCodec.encode(hs), Payload.empty(), 0);
        return this;
    }

    void receive(Piece piece, long nowNs) {
        engine.onFrame(PEER, PieceCodec.encodeHeader(piece), piece.payload(), nowNs);
    }

    @Override
    public void send(long peer, byte[] header, Payload payload) {
        try {
            sent.add(ControlCodec.decode(header));
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
