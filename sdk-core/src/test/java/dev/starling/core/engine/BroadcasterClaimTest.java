package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.BroadcasterProof;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Handshake;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A viewer believes a peer's claim to be the broadcaster only where the broadcaster can be, at the other end of a
 * connection the viewer dialled, and only with the broadcaster's proof: the channel key's signature over a nonce the
 * viewer sent on that connection and both peers' ids. The claim is worth lying for (past the peer limit, its
 * addresses vouched for, its word on the swarm's upload and its reserve believed).
 */
class BroadcasterClaimTest {
    private static final long S = 1_000_000_000L;
    private static final long LIAR = 5;
    private static final InetSocketAddress AT = new InetSocketAddress("198.51.100.7", 7000);
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aPeerThatDialledInClaimingToBeTheBroadcasterIsDropped() {
        EngineHarness v = greetedBy(true, UnaryOperator.identity());
        assertDroppedForItsClaim(v, "claims to be the broadcaster");
    }

    @Test
    void theBroadcastersProofOnAConnectionTheViewerDialledStands() {
        EngineHarness v = greetedBy(false, UnaryOperator.identity());
        assertThat(v.disconnects).isEmpty();
        v.engine.onTimer(3 * S);
        assertThat(ReserveTest.lastResortSubscribes(v)).as("told the swarm is short: the reserve after 2 s")
                .isNotEmpty();
    }

    @Test
    void aClaimWithoutAProofIsDropped() {
        EngineHarness v = greetedBy(false, hs -> hs.clearBroadcasterProof());
        assertDroppedForItsClaim(v, "without a valid proof (none)");
    }

    @Test
    void aProofOverAnotherNonceIsDropped() {
        // An answer the broadcaster gave another connection, replayed.
        EngineHarness v = greetedBy(false, hs -> hs.setBroadcasterProof(proof(keys, new byte[16], hs.getPeerId())));
        assertDroppedForItsClaim(v, "without a valid proof (64 bytes)");
    }

    @Test
    void aProofMadeForAnotherViewerIsDropped() {
        // A relay: the liar dialled the broadcaster with this viewer's nonce, under its own peer id.
        EngineHarness v = greetedBy(false, hs -> {
            byte[] other = EngineHarness.LOCAL_ID.clone();
            other[15] = 1;
            byte[] nonce = lastNonce;
            return hs.setBroadcasterProof(UnsafeByteOperations.unsafeWrap(new PieceSigner(keys)
                    .signBroadcasterProof(nonce, hs.getPeerId().toByteArray(), other)));
        });
        assertDroppedForItsClaim(v, "without a valid proof");
    }

    @Test
    void aProofByAnotherKeyIsDropped() {
        ChannelKeys other = ChannelKeys.generate();
        EngineHarness v = greetedBy(false, hs -> hs.setBroadcasterProof(proof(other, lastNonce, hs.getPeerId())));
        assertDroppedForItsClaim(v, "without a valid proof");
    }

    @Test
    void aViewerSendsAFreshNonceOnEachConnectionItDialsAndNoneOnOnesDialledIn() {
        EngineHarness v = new EngineHarness(keys);
        v.engine.onConnected(1, AT, false, 0);
        v.engine.onConnected(2, new InetSocketAddress("198.51.100.8", 7000), false, 0);
        v.engine.onConnected(3, new InetSocketAddress("198.51.100.9", 7000), true, 0);
        assertThat(v.nonceSentTo(1)).hasSize(BroadcasterProof.NONCE_BYTES);
        assertThat(v.nonceSentTo(2)).hasSize(BroadcasterProof.NONCE_BYTES).isNotEqualTo(v.nonceSentTo(1));
        assertThat(v.nonceSentTo(3)).as("no broadcaster dials in: nothing to prove").isEmpty();
    }

    @Test
    void theBroadcasterAnswersADiallersHandshakeWithAProofOverItsNonce() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE / 4);
        b.engine.onConnected(LIAR, AT, true, 0);
        assertThat(b.sentTo(LIAR)).as("nothing before the dialler's handshake").isEmpty();
        byte[] nonce = new byte[BroadcasterProof.NONCE_BYTES];
        nonce[3] = 42;
        Control hello = b.handshake(LIAR, AT, false, 0, 1);
        b.control(LIAR, hello.toBuilder().setHandshake(hello.getHandshake().toBuilder()
                .setProofNonce(ByteString.copyFrom(nonce))).build(), 0);
        Handshake answer = b.sentTo(LIAR).get(0).getHandshake();
        assertThat(answer.getBroadcaster()).isTrue();
        assertThat(BroadcasterProof.verify(keys.channelId().publicKey(), answer.getBroadcasterProof().toByteArray(),
                nonce, answer.getPeerId().toByteArray(), hello.getHandshake().getPeerId().toByteArray())).isTrue();
        nonce[3] = 43;
        assertThat(BroadcasterProof.verify(keys.channelId().publicKey(), answer.getBroadcasterProof().toByteArray(),
                nonce, answer.getPeerId().toByteArray(), hello.getHandshake().getPeerId().toByteArray()))
                .as("bound to the nonce").isFalse();
    }

    @Test
    void aViewerBelievesTheBroadcastersOwnAnswer() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE / 4);
        EngineHarness v = new EngineHarness(keys);
        talk(v, b);
        Control first = b.sentTo(TO_VIEWER).get(0);
        assertThat(first.getHandshake().getBroadcaster()).isTrue();
        assertThat(first.getHandshake().getBroadcasterProof().size()).isEqualTo(BroadcasterProof.PROOF_BYTES);
        assertThat(v.disconnects).as("the proof verified").isEmpty();
        assertThat(b.disconnects).isEmpty();
        assertThat(v.sentTo(TO_BROADCASTER).stream().filter(Control::hasBufferMap)).as("handshaken").isNotEmpty();
    }

    @Test
    void aFullBroadcastersRefusalCarriesItsProofBeforeTheAddresses() {
        // Viewers believe only the broadcaster's peer exchange enough to pass its addresses on, so the refused need
        // the proof too, and first.
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE / 4);
        for (int i = 0; i < 64; i++) {
            // Each uploads more than the newcomer, so none makes way for it.
            b.connectPeer(100 + i, new InetSocketAddress("10.0." + i + ".1", 7000), true, false, 0, 16_000_000, i % 4);
        }
        EngineHarness v = new EngineHarness(keys);
        talk(v, b);
        assertThat(b.sentTo(TO_VIEWER)).extracting(c -> c.getBodyCase().name())
                .containsExactly("HANDSHAKE", "PEER_EXCHANGE", "GOODBYE");
        assertThat(b.sentTo(TO_VIEWER).get(0).getHandshake().getBroadcasterProof().isEmpty()).isFalse();
        assertThat(v.disconnects).as("refused, not caught lying").noneMatch(r -> r.startsWith("protocol error"));
    }

    private static final long TO_VIEWER = 2;
    private static final long TO_BROADCASTER = 1;

    /** A viewer dials the broadcaster; each engine's messages are delivered to the other until both fall silent. */
    private static void talk(EngineHarness v, EngineHarness b) {
        v.engine.onConnected(TO_BROADCASTER, new InetSocketAddress("192.0.2.1", 7000), false, 0);
        b.engine.onConnected(TO_VIEWER, new InetSocketAddress("198.51.100.20", 40000), true, 0);
        int fromViewer = 0;
        int fromBroadcaster = 0;
        boolean moved = true;
        while (moved) {
            moved = false;
            List<Control> toB = v.sentTo(TO_BROADCASTER);
            for (; fromViewer < toB.size(); fromViewer++) {
                b.control(TO_VIEWER, toB.get(fromViewer), 0);
                moved = true;
            }
            List<Control> toV = b.sentTo(TO_VIEWER);
            for (; fromBroadcaster < toV.size(); fromBroadcaster++) {
                v.control(TO_BROADCASTER, toV.get(fromBroadcaster), 0);
                moved = true;
            }
        }
    }

    @Test
    void aNonceOfTheWrongLengthIsAProtocolError() {
        EngineHarness b = EngineHarness.broadcaster(keys, Long.MAX_VALUE / 4);
        b.engine.onConnected(LIAR, AT, true, 0);
        Control hello = b.handshake(LIAR, AT, false, 0, 1);
        b.control(LIAR, hello.toBuilder().setHandshake(hello.getHandshake().toBuilder()
                .setProofNonce(ByteString.copyFrom(new byte[1000]))).build(), 0);
        assertThat(b.disconnects).singleElement().asString().contains("a proof nonce is 16 bytes, got 1000");
        assertThat(b.sentTo(LIAR)).as("nothing signed for it").isEmpty();
    }

    private byte[] lastNonce;

    private static ByteString proof(ChannelKeys by, byte[] nonce, ByteString broadcasterId) {
        return UnsafeByteOperations.unsafeWrap(new PieceSigner(by).signBroadcasterProof(nonce,
                broadcasterId.toByteArray(), EngineHarness.LOCAL_ID));
    }

    private static void assertDroppedForItsClaim(EngineHarness v, String reason) {
        assertThat(v.disconnects).singleElement().asString().startsWith("protocol error").contains(reason);
        v.engine.onTimer(3 * S);
        assertThat(ReserveTest.lastResortSubscribes(v)).as("its word that the swarm is short is not taken").isEmpty();
    }

    /**
     * A new viewer greeted by a peer saying it is the broadcaster, the swarm short, its reserve open; {@code edit}
     * changes the greeting (which carries a valid proof where the viewer dialled).
     */
    private EngineHarness greetedBy(boolean inbound, UnaryOperator<Handshake.Builder> edit) {
        EngineHarness v = new EngineHarness(keys);
        v.engine.onConnected(LIAR, AT, inbound, 0);
        lastNonce = v.nonceSentTo(LIAR);
        Control hs = v.handshake(LIAR, AT, true, 0, 0);
        hs = hs.toBuilder().setHandshake(edit.apply(hs.getHandshake().toBuilder().setSwarmShortOfUpload(true)))
                .build();
        v.engine.onFrame(LIAR, ControlCodec.encode(hs), Payload.empty(), 0);
        if (v.disconnects.isEmpty()) {
            v.control(LIAR, ShortOfUploadTest.broadcasterMap(true), 0);
        }
        return v;
    }
}
