package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A link may name its broadcaster by host name; the engine dials the name, the transport connects to the address it
 * resolves to, and the engine must still know that connection for the dial it made.
 */
class HostNameBootstrapTest {
    private static final long S = 1_000_000_000L;
    private static final long BROADCASTER = 1;
    private static final InetSocketAddress BY_NAME = InetSocketAddress.createUnresolved("live.example.org", 7000);
    private static final InetSocketAddress RESOLVED = new InetSocketAddress("203.0.113.5", 7000);
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aViewerWhoseBroadcasterWasNamedByHostDialsItAgainOnceTheLinkIsGone() {
        EngineHarness v = connectedByName();
        v.engine.onDisconnected(BROADCASTER, S);
        v.engine.onTimer(S + S / 4);
        assertThat(v.dialled).as("alone again: back to the link's address").containsExactly(BY_NAME, BY_NAME);
    }

    @Test
    void whileConnectedToAPeerTheLinkNamesByHostTheViewerDoesNotDialThatNameAgain() {
        // The link names a peer that is not the broadcaster: still without a broadcaster, the viewer goes back to its
        // link's addresses every few seconds, but not to one it is connected to.
        EngineHarness v = connectedByName(false);
        for (long t = S / 4; t < 20 * S; t += S / 4) {
            v.engine.onTimer(t);
        }
        assertThat(v.dialled).containsExactly(BY_NAME);
    }

    @Test
    void aDialRefusedBecauseTheNameResolvedToABannedAddressIsOverAndTheNameIsDialledAgain() {
        // The peer at the name sends a forged piece: dropped and banned. The name is dialled again, resolves to the
        // banned address, and that connection is refused at once; the dial must end there, or the viewer would
        // wait on it for good and never go back to its link (say once the name moves to an honest host).
        EngineHarness v = connectedByName(false);
        Piece forged = new PieceSigner(ChannelKeys.generate()).sign(1, 0, 0, 0, Payload.wrap(new byte[8]));
        v.engine.onFrame(BROADCASTER, PieceCodec.encodeHeader(forged), forged.payload(), S);
        assertThat(v.disconnects).singleElement().asString().contains("BAD_SIGNATURE");
        v.engine.onDisconnected(BROADCASTER, S);
        long t = S;
        for (; v.dialled.size() < 2 && t < 30 * S; t += S / 4) {
            v.engine.onTimer(t);
        }
        assertThat(v.dialled).containsExactly(BY_NAME, BY_NAME);
        v.engine.onConnected(2, RESOLVED, BY_NAME, null, t);
        assertThat(v.disconnects).last().asString().startsWith("banned");
        for (long end = t + 30 * S; v.dialled.size() < 3 && t < end; t += S / 4) {
            v.engine.onTimer(t);
        }
        assertThat(v.dialled).as("the refused dial is over: the name is dialled again").hasSize(3);
    }

    /** A new viewer whose link names its broadcaster by host, connected to it and greeted. */
    private EngineHarness connectedByName() {
        return connectedByName(true);
    }

    /** A new viewer whose link names a peer by host, connected to it and greeted by it (the broadcaster or not). */
    private EngineHarness connectedByName(boolean broadcaster) {
        EngineHarness v = new EngineHarness(keys);
        v.engine.addBootstrap(List.of(BY_NAME));
        v.engine.onTimer(0);
        assertThat(v.dialled).containsExactly(BY_NAME);
        v.engine.onConnected(BROADCASTER, RESOLVED, BY_NAME, null, 10_000_000L);
        v.engine.onFrame(BROADCASTER, ControlCodec.encode(v.handshake(BROADCASTER, RESOLVED, broadcaster, 0, 0)),
                Payload.empty(), 20_000_000L);
        assertThat(v.disconnects).isEmpty();
        return v;
    }
}
