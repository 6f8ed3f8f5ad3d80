package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * A viewer believes a peer's claim to be the broadcaster only where the broadcaster can be: at the other end of a
 * connection the viewer dialled. The broadcaster never dials, and the claim is worth lying for (past the peer
 * limit, its addresses vouched for, its word on the swarm's upload and its reserve believed).
 */
class BroadcasterClaimTest {
    private static final long S = 1_000_000_000L;
    private static final long LIAR = 5;
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aPeerThatDialledInClaimingToBeTheBroadcasterIsDropped() {
        EngineHarness v = greetedBy(true);
        assertThat(v.disconnects).singleElement().asString().startsWith("protocol error")
                .contains("claims to be the broadcaster");
        v.engine.onTimer(3 * S);
        assertThat(ReserveTest.lastResortSubscribes(v)).as("its word that the swarm is short is not taken").isEmpty();
    }

    @Test
    void theSameClaimOnAConnectionTheViewerDialledStands() {
        EngineHarness v = greetedBy(false);
        assertThat(v.disconnects).isEmpty();
        v.engine.onTimer(3 * S);
        assertThat(ReserveTest.lastResortSubscribes(v)).as("told the swarm is short: the reserve after 2 s")
                .isNotEmpty();
    }

    /** A new viewer greeted by a peer saying it is the broadcaster, the swarm short, its reserve open. */
    private EngineHarness greetedBy(boolean inbound) {
        EngineHarness v = new EngineHarness(keys);
        InetSocketAddress at = new InetSocketAddress("198.51.100.7", 7000);
        v.engine.onConnected(LIAR, at, inbound, 0);
        Control hs = v.handshake(LIAR, at, true, 0, 0);
        hs = hs.toBuilder().setHandshake(hs.getHandshake().toBuilder().setSwarmShortOfUpload(true)).build();
        v.engine.onFrame(LIAR, ControlCodec.encode(hs), Payload.empty(), 0);
        if (v.disconnects.isEmpty()) {
            v.control(LIAR, ShortOfUploadTest.broadcasterMap(true), 0);
        }
        return v;
    }
}
