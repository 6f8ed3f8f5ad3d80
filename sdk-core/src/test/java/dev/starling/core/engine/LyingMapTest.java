package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A neighbour that claims pieces far past the live edge must not move the viewer's pull window off its real holes:
 * before, one such buffer map (pieces a million sequence numbers ahead) made the viewer request only pieces that
 * do not exist, from the liar, for as long as the map stood.
 */
class LyingMapTest {
    private static final long MS = 1_000_000L;
    private static final long HONEST = 2;
    private static final long LIAR = 3;
    private static final long PIECE_US = 65_536; // 16 KiB at 2 Mbit/s
    private final ChannelKeys keys = ChannelKeys.generate();
    private final PieceSigner signer = new PieceSigner(keys);

    private Piece piece(long seq) {
        return signer.sign(1, seq, 10_000_000 + seq * PIECE_US, seq % 15 == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                Payload.wrap(new byte[] {(byte) seq}));
    }

    private static Control map(long base, byte[] have) {
        return map(1, base, have);
    }

    private static Control map(long epoch, long base, byte[] have) {
        return Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(epoch).setBaseSeq(base)
                .setHave(ByteString.copyFrom(have)).setLatestRapSeq(1).addDepth(1).addDepth(1).addDepth(1)
                .addDepth(1)).build();
    }

    private List<Long> requestedFrom(EngineHarness h, long peer) {
        List<Long> seqs = new ArrayList<>();
        for (Control c : h.sentTo(peer)) {
            if (c.hasRequest()) {
                seqs.addAll(c.getRequest().getSeqsList());
            }
        }
        return seqs;
    }

    /** A viewer fed pieces 0-7 by the broadcaster but for piece 3 (lost), with an honest neighbour and a liar. */
    private EngineHarness viewerMissingPiece3() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        h.connectPeer(HONEST, new InetSocketAddress("192.0.2.8", 7000), false, false, 0);
        h.connectPeer(LIAR, new InetSocketAddress("198.51.100.7", 7000), false, false, 0);
        for (long s = 0; s < 8; s++) {
            if (s != 3) {
                h.receive(piece(s), (100 + s * 65) * MS);
            }
        }
        return h;
    }

    @Test
    void aClaimFarPastTheLiveEdgeLeavesTheRealHoleToBePulled() {
        EngineHarness h = viewerMissingPiece3();
        long now = 700 * MS;
        h.control(HONEST, map(0, new byte[] {(byte) 0xFF}), now); // it holds 0-7
        h.control(LIAR, map(1_000_000, new byte[] {1}), now);
        for (long t = now; t < now + 400 * MS; t += 50 * MS) {
            h.engine.onTimer(t);
        }
        assertThat(requestedFrom(h, HONEST)).contains(3L);
        assertThat(requestedFrom(h, LIAR)).allMatch(s -> s < 1_000_000);
    }

    @Test
    void aNewerEpochThatIsNeverProvedStopsRepairOnlyForAMoment() {
        EngineHarness h = viewerMissingPiece3();
        long now = 700 * MS;
        h.control(HONEST, map(0, new byte[] {(byte) 0xFF}), now);
        h.control(LIAR, map(2, 0, new byte[] {1}), now); // a restarted broadcaster's epoch, it says
        for (long t = now; t < now + 300 * MS; t += 50 * MS) {
            h.engine.onTimer(t);
        }
        assertThat(requestedFrom(h, LIAR)).as("the claim is checked first").containsOnly(0L);
        assertThat(requestedFrom(h, HONEST)).isEmpty();
        for (long t = now + 300 * MS; t < now + 1_600 * MS; t += 50 * MS) {
            h.engine.onTimer(t);
        }
        assertThat(requestedFrom(h, HONEST)).as("unproved after two asks: repair goes on").contains(3L);
    }

    @Test
    void claimsFarAheadDoNotWipeOutWhenARealHoleWasAnnounced() {
        // Under a parent, a missing piece is pulled once a neighbour announced it a push grace (1 s) ago. The
        // announcement is kept in a ring slot; a liar's claims 512 pieces ahead land in the same slots, and each
        // honest map then announced the hole afresh, so the grace never ran out.
        EngineHarness h = new EngineHarness(keys);
        int k = h.engine.primarySubstream();
        long parent = 9;
        h.connectPeer(parent, new InetSocketAddress("192.0.2.9", 7000), false, false, 0, 6_000_000, k);
        h.control(parent, Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addDepth(1).addDepth(1).addDepth(1).addDepth(1).setOpenSubstreams(0xF)).build(), 0);
        h.engine.onTimer(0);
        for (Control c : h.sentTo(parent)) {
            if (c.hasSubscribe()) {
                h.control(parent, Control.newBuilder().setSubscribeReply(
                        dev.starling.core.wire.proto.SubscribeReply.newBuilder().setSubstream(c.getSubscribe()
                                .getSubstream()).setAccepted(true)).build(), 0);
            }
        }
        h.connectPeer(HONEST, new InetSocketAddress("192.0.2.8", 7000), false, false, 0);
        h.connectPeer(LIAR, new InetSocketAddress("198.51.100.7", 7000), false, false, 0);
        long hole = 20 + k; // the parent's last push in its substream never comes
        for (long s = 0; s < 24; s++) {
            if (s % 4 != k || s < hole) {
                h.engine.onFrame(parent, dev.starling.core.wire.PieceCodec.encodeHeader(piece(s)), piece(s).payload(),
                        (100 + s * 65) * MS);
            }
        }
        byte[] all = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        byte[] ahead = new byte[64];
        java.util.Arrays.fill(ahead, (byte) 0xFF);
        long t0 = 1_700 * MS;
        for (long t = t0; t < t0 + 1_600 * MS; t += 50 * MS) {
            if ((t - t0) % (200 * MS) == 0) {
                h.control(LIAR, map(512, ahead), t);
                h.control(HONEST, map(0, all), t);
            }
            h.engine.onTimer(t);
        }
        assertThat(requestedFrom(h, HONEST)).contains(hole);
    }
}
