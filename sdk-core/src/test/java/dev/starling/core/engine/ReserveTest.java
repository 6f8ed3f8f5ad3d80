package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Subscribe;
import dev.starling.core.wire.proto.SubscribeReply;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.ObjLongConsumer;
import org.junit.jupiter.api.Test;

/**
 * The broadcaster's reserve covers a swarm that uploads less than it needs: a viewer with no room among its
 * neighbours gets a last-resort slot, sized from the broadcaster's upload, never at a tree root's expense, only if
 * it contributes, and by turns when the reserve is short. Viewers that contribute come first at full parents too.
 */
class ReserveTest {
    private static final long S = 1_000_000_000L;
    private static final long SUBSTREAM_BPS = 500_000; // the default 2 Mbit/s in 4 substreams
    private static final long CONTRIBUTOR_BPS = 2_000_000;
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aLastResortSubscribeBeyondTheRootsGetsAReserveSlotWhileTheUploadLasts() {
        // 4 roots + 2 slots of repair share + 2 reserve slots.
        EngineHarness b = EngineHarness.broadcaster(keys, uploadWithReserve(2));
        for (int k = 0; k < 4; k++) {
            b.connectPeer(10 + k, addr(10 + k), true, false, 0, CONTRIBUTOR_BPS, k);
            b.subscribe(10 + k, k, false, 0);
            assertThat(b.lastReply(10 + k).getAccepted()).isTrue();
        }
        for (int i = 0; i < 3; i++) {
            b.connectPeer(20 + i, addr(20 + i), true, false, 0, CONTRIBUTOR_BPS, 1);
        }
        b.subscribe(20, 0, false, S);
        assertThat(b.lastReply(20).getAccepted()).as("an ordinary subscribe finds the roots full").isFalse();
        b.subscribe(20, 0, true, S);
        assertThat(b.lastReply(20).getAccepted()).isTrue();
        assertThat(b.lastReply(20).getReserve()).isTrue();
        b.subscribe(21, 2, true, S);
        assertThat(b.lastReply(21).getReserve()).isTrue();
        b.subscribe(22, 3, true, S);
        assertThat(b.lastReply(22).getAccepted()).as("two reserve slots, both taken").isFalse();
        assertThat(b.engine.counters().reserveAdmitted()).isEqualTo(2);
        // An unsubscribe gives the slot back.
        b.unsubscribe(21, 2, 2 * S);
        b.subscribe(22, 3, true, 2 * S);
        assertThat(b.lastReply(22).getReserve()).isTrue();
    }

    @Test
    void pushesToReserveSlotsAreCountedApartFromThoseToTheRoots() {
        EngineHarness b = EngineHarness.broadcaster(keys, uploadWithReserve(2));
        fillRoots(b);
        b.connectPeer(20, addr(20), true, false, 0, CONTRIBUTOR_BPS, 1);
        b.subscribe(20, 0, true, S);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        int pieces = 16;
        for (int i = 0; i < pieces; i++) {
            long nowNs = S + i * 65_536_000L;
            b.engine.publish(Payload.wrap(new byte[100]), 0, nowNs / 1000, nowNs);
        }
        long toReserve = b.sentTo(20).stream().filter(Control::hasPiece).count();
        assertThat(toReserve).as("every piece of tree 0").isEqualTo(pieces / 4);
        EngineCounters c = b.engine.counters();
        assertThat(c.bytesUploadedReserve()).isEqualTo(toReserve * 100);
        assertThat(c.bytesUploadedPush()).as("the roots' pieces and the reserve child's")
                .isEqualTo((pieces + toReserve) * 100);
        assertThat(c.bytesUploadedHandOver()).isZero();
    }

    @Test
    void aLastResortSubscribeNeverTakesARootsPlace() {
        EngineHarness b = EngineHarness.broadcaster(keys, uploadWithReserve(2));
        for (int k = 0; k < 4; k++) {
            b.connectPeer(10 + k, addr(10 + k), true, false, 0, SUBSTREAM_BPS, (k + 1) % 4); // weak roots, leaves
            b.subscribe(10 + k, k, false, 0);
        }
        // A strong forwarder of substream 0: asking normally, it would displace the leaf at the root.
        b.connectPeer(20, addr(20), true, false, 0, 100 * SUBSTREAM_BPS, 0);
        b.subscribe(20, 0, true, 20 * S);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        assertThat(b.sentTo(10)).noneMatch(c -> c.hasSubscribeReply() && !c.getSubscribeReply().getAccepted());
    }

    @Test
    void aViewerThatUploadsNothingGetsNoReserveSlot() {
        EngineHarness b = EngineHarness.broadcaster(keys, uploadWithReserve(2));
        fillRoots(b);
        b.connectPeer(20, addr(20), true, false, 0, 0, 1);
        b.subscribe(20, 0, true, S);
        assertThat(b.lastReply(20).getAccepted()).isFalse();
        b.connectPeer(21, addr(21), true, false, 0, SUBSTREAM_BPS, 1);
        b.subscribe(21, 0, true, S);
        assertThat(b.lastReply(21).getReserve()).isTrue();
    }

    @Test
    void aFullReserveTakesTurnsTheLongestHolderMakesWayAfterTenSeconds() {
        EngineHarness b = turnedAwayWhileTheHolderHasItsTurn(5 * S);
        b.subscribe(21, 3, true, 11 * S);
        assertThat(b.lastReply(21).getReserve()).isTrue();
        SubscribeReply toHolder = b.lastReply(20);
        assertThat(toHolder.getAccepted()).as("the holder is told its slot is gone").isFalse();
        assertThat(toHolder.getSubstream()).isEqualTo(3);
        assertThat(b.engine.counters().reserveTurnsEnded()).isEqualTo(1);
    }

    @Test
    void aReserveSlotComesBackWhenItsHolderLeaves() {
        EngineHarness b = turnedAwayWhileTheHolderHasItsTurn(2 * S);
        b.engine.onDisconnected(20, 3 * S);
        b.subscribe(21, 3, true, 3 * S);
        assertThat(b.lastReply(21).getReserve()).as("well within the holder's turn: its slot came back").isTrue();
        assertThat(b.engine.counters().reserveTurnsEnded()).isZero();
    }

    /**
     * A broadcaster with one reserve slot, held by viewer 20 since 1 s; viewer 21, a contributor, asks for it in tree
     * 3 at {@code askNs} and is turned away (the holder's turn of 10 s is not over).
     */
    private EngineHarness turnedAwayWhileTheHolderHasItsTurn(long askNs) {
        EngineHarness b = broadcasterWithReserveHolder(uploadWithReserve(1));
        b.connectPeer(21, addr(21), true, false, S, CONTRIBUTOR_BPS, 2);
        b.subscribe(21, 3, true, askNs);
        assertThat(b.lastReply(21).getAccepted()).as("full, and the holder's turn is not over").isFalse();
        return b;
    }

    @Test
    void unsubscribingAndSubscribingAgainDoesNotStartAFreshTurn() {
        EngineHarness b = broadcasterWithReserveHolder(uploadWithReserve(1)); // one reserve slot
        b.connectPeer(21, addr(21), true, false, S, CONTRIBUTOR_BPS, 2);
        // A holder that gives its slot back and takes it again at once (as a liar would, every few seconds) keeps
        // the turn it started at 1 s, which is over at 11 s.
        b.unsubscribe(20, 3, 9 * S);
        b.subscribe(20, 3, true, 9 * S);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        b.subscribe(21, 3, true, 11 * S);
        assertThat(b.lastReply(21).getReserve()).as("the holder's turn began at 1 s, not 9 s").isTrue();
        assertThat(b.lastReply(20).getAccepted()).isFalse();
        // One that stayed away a whole turn starts afresh.
        b.unsubscribe(21, 3, 12 * S);
        b.subscribe(21, 3, true, 23 * S);
        assertThat(b.lastReply(21).getReserve()).isTrue();
        b.subscribe(20, 3, true, 30 * S);
        assertThat(b.lastReply(20).getAccepted()).as("a turn from 23 s is not over at 30 s").isFalse();
    }

    @Test
    void aReserveSlotWhoseHolderShowsAParentElsewhereIsTakenBackAfterThreeSeconds() {
        EngineHarness b = broadcasterWithReserveHolder(uploadWithReserve(1)); // one reserve slot
        b.connectPeer(21, addr(21), true, false, S, CONTRIBUTOR_BPS, 2);
        b.control(20, depths(1, 1, 1, 1), S + S / 10);
        // It moved to a neighbour at depth 6 and its unsubscribe was lost: its maps now say depth 7 in tree 3.
        for (long t = 2 * S; t < 5 * S; t += 400_000_000L) {
            b.control(20, depths(1, 1, 1, 7), t);
        }
        assertThat(b.engine.counters().reserveSlotsReclaimed()).as("2.8 s of such maps: within the grace").isZero();
        b.control(20, depths(1, 1, 1, 7), 5 * S);
        assertThat(b.engine.counters().reserveSlotsReclaimed()).isEqualTo(1);
        SubscribeReply toHolder = b.lastReply(20);
        assertThat(toHolder.getAccepted()).isFalse();
        assertThat(toHolder.getSubstream()).isEqualTo(3);
        b.subscribe(21, 3, true, 6 * S);
        assertThat(b.lastReply(21).getReserve()).as("the slot is free again, in the holder's turn").isTrue();
    }

    @Test
    void eachReserveSlotOfOneHolderHasItsOwnGrace() {
        EngineHarness b = broadcasterWithReserveHolder(uploadWithReserve(2)); // two reserve slots
        b.control(20, depths(1, 1, 1, 7), 2 * S); // tree 3 from elsewhere since 2 s
        b.subscribe(20, 2, true, 4 * S + S * 9 / 10);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        // Sent before it heard the grant in tree 2: detached there, still depth 7 in tree 3.
        b.control(20, depths(1, 1, PeerEngine.DETACHED, 7), 5 * S);
        assertThat(b.engine.counters().reserveSlotsReclaimed()).as("tree 3 only").isEqualTo(1);
        assertThat(b.lastReply(20).getSubstream()).isEqualTo(3);
        for (long t = 5 * S + S / 5; t < 10 * S; t += 400_000_000L) {
            b.control(20, depths(1, 1, 1, PeerEngine.DETACHED), t);
        }
        assertThat(b.engine.counters().reserveSlotsReclaimed()).as("tree 2 at depth 1 keeps its slot").isEqualTo(1);
    }

    @Test
    void aReserveHolderWhoseMapsLagBehindKeepsItsSlot() {
        EngineHarness b = broadcasterWithReserveHolder(uploadWithReserve(1));
        // Maps from before the acceptance (detached), then one at depth 1, then a stale one again: never three
        // seconds in a row off depth 1.
        for (long t = S; t < 20 * S; t += 400_000_000L) {
            boolean onTime = (t / 400_000_000L) % 7 == 0;
            b.control(20, depths(1, 1, 1, onTime ? 1 : PeerEngine.DETACHED), t);
        }
        assertThat(b.engine.counters().reserveSlotsReclaimed()).isZero();
        assertThat(b.sentTo(20)).noneMatch(c -> c.hasSubscribeReply() && !c.getSubscribeReply().getAccepted());
    }

    @Test
    void aSlotGrantedAgainStartsWithACleanRecord() {
        EngineHarness b = broadcasterWithReserveHolder(uploadWithReserve(1));
        b.control(20, depths(1, 1, 1, 7), 2 * S);
        b.control(20, depths(1, 1, 1, 7), 4 * S);
        b.unsubscribe(20, 3, 4 * S + S / 2); // gave the slot back in time, its maps still off depth 1
        b.subscribe(20, 3, true, 20 * S);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        b.control(20, depths(1, 1, 1, PeerEngine.DETACHED), 20 * S + S / 10); // sent before it heard the grant
        assertThat(b.engine.counters().reserveSlotsReclaimed()).as("18 s since the old record began").isZero();
    }

    @Test
    void withNoRoomAroundAViewerFirstAsksAFullForwarderThatItFeeds() {
        EngineHarness v = new EngineHarness(keys);
        PieceSigner signer = new PieceSigner(keys);
        int own = v.engine.primarySubstream();
        int k = (own + 1) % 4;
        v.connectPeer(5, addr(5), false, true, 0, 0, 0); // the broadcaster, its roots full, its reserve open
        v.control(5, broadcasterMap(0xF), 0);
        for (int seq = 0; seq < 5; seq++) {
            piece(v, signer, seq, 0, 0);
        }
        v.connectPeer(6, addr(6), true, false, 0, CONTRIBUTOR_BPS, k); // forwards k, and takes our own tree from us
        v.subscribe(6, own, false, 0);
        assertThat(v.lastReply(6).getAccepted()).isTrue();
        v.connectPeer(7, addr(7), true, false, 0, CONTRIBUTOR_BPS, k); // forwards k; we feed it nothing
        Control full = Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addAllDepth(List.of(1, 1, 1, 1))).build();
        for (long t = 0; t <= S; t += S / 4) {
            v.control(6, full, t);
            v.control(7, full, t);
            v.engine.onTimer(t);
        }
        assertThat(subscribesFor(v, 6, k)).as("neither offers room in k; the one we feed is asked").isNotEmpty();
        assertThat(subscribesFor(v, 7, k)).isEmpty();
        // It turns us down each time: past the join gate, with pieces of k lost, the reserve is the last resort.
        Control no = Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(k)
                .setAccepted(false)).build();
        int asked = subscribesFor(v, 6, k).size();
        for (long t = S; t < 13 * S; t += S / 4) {
            if (subscribesFor(v, 6, k).size() > asked) {
                asked = subscribesFor(v, 6, k).size();
                v.control(6, no, t);
            }
            v.control(6, full, t);
            v.control(7, full, t);
            if (t == 12 * S) {
                piece(v, signer, 8 + k, t - 3_500_000_000L, t); // a piece of k too late to play
            }
            v.engine.onTimer(t);
        }
        assertThat(lastResortSubscribes(v)).extracting(Subscribe::getSubstream).contains(k);
        assertThat(subscribesFor(v, 7, k)).isEmpty();
    }

    @Test
    void aViewerAsksTheReserveOnlyAfterTreesHadTimeToFormAndOnlyForATreeWhosePiecesAreLost() {
        EngineHarness v = new EngineHarness(keys);
        PieceSigner signer = new PieceSigner(keys);
        v.connectPeer(5, addr(5), false, true, 0, 0, 0); // the broadcaster, its roots full, its reserve open
        v.control(5, broadcasterMap(0xF), 0);
        for (int seq = 0; seq < 5; seq++) {
            piece(v, signer, seq, 0, 0); // they set the clock: pulled in time, and nothing missed
        }
        for (long t = 0; t < 12 * S; t += S / 4) {
            v.engine.onTimer(t);
            if (t % S == 0) {
                v.control(5, broadcasterMap(0xF), t);
            }
        }
        assertThat(lastResortSubscribes(v)).as("detached in every tree, but nothing lost").isEmpty();
        // A piece of substream 1 arrives 3.5 s after it was published: past the 3 s delay, too late to play.
        piece(v, signer, 5, 12 * S - 3_500_000_000L, 12 * S);
        for (long t = 12 * S; t < 13 * S; t += S / 4) {
            v.engine.onTimer(t);
        }
        assertThat(lastResortSubscribes(v)).extracting(Subscribe::getSubstream).containsExactly(1);
    }

    @Test
    void aViewerWhoseParentLeftGivesItsNeighboursFourSecondsBeforeAskingTheReserve() {
        assertThat(nsFromDetachmentToReserveRequest((v, nowNs) -> v.engine.onDisconnected(6, nowNs)))
                .as("churn frees slots as fast as it takes them").isEqualTo(4 * S);
    }

    @Test
    void aViewerEvictedByItsParentAsksTheReserveAfterTwoSeconds() {
        assertThat(nsFromDetachmentToReserveRequest((v, nowNs) -> {
            v.control(6, Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(1)
                    .setAccepted(false)).build(), nowNs);
            v.control(6, Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                    .addAllDepth(List.of(1, 1, 1, 1))).build(), nowNs); // and now full
        })).as("room is short: waiting longer only costs continuity").isEqualTo(2 * S);
    }

    /**
     * A viewer past the join gate attaches to neighbour 6 in substream 1, loses that parent by {@code detach}, and
     * from then on gets that substream's pieces too late to play, with no neighbour offering room: how long until
     * it asks the broadcaster's reserve (checked every 250 ms)?
     */
    private long nsFromDetachmentToReserveRequest(ObjLongConsumer<EngineHarness> detach) {
        EngineHarness v = new EngineHarness(keys);
        PieceSigner signer = new PieceSigner(keys);
        v.connectPeer(5, addr(5), false, true, 0, 0, 0); // the broadcaster, its roots full, its reserve open
        v.control(5, broadcasterMap(0xF), 0);
        for (int seq = 0; seq < 5; seq++) {
            piece(v, signer, seq, 0, 0);
        }
        long attachNs = 11 * S;
        for (long t = 0; t < attachNs; t += S / 4) {
            v.engine.onTimer(t);
        }
        v.connectPeer(6, addr(6), false, false, attachNs, CONTRIBUTOR_BPS, 1);
        v.control(6, Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addAllDepth(List.of(1, 1, 1, 1)).setOpenSubstreams(0x2)).build(), attachNs);
        v.engine.onTimer(attachNs);
        assertThat(v.sentTo(6).stream().filter(Control::hasSubscribe).map(c -> c.getSubscribe().getSubstream()))
                .containsExactly(1);
        v.control(6, Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(1)
                .setAccepted(true)).build(), attachNs);
        assertThat(v.engine.depth(1)).isEqualTo(2);
        long detachNs = 12 * S;
        detach.accept(v, detachNs);
        assertThat(v.engine.parentCount()).isZero();

        for (long t = detachNs; t <= detachNs + 6 * S; t += S / 4) {
            piece(v, signer, 5 + 4 * ((t - detachNs) / (S / 4)), t - 3_500_000_000L, t);
            v.engine.onTimer(t);
            if (!lastResortSubscribes(v).isEmpty()) {
                assertThat(lastResortSubscribes(v)).extracting(Subscribe::getSubstream).containsExactly(1);
                return t - detachNs;
            }
        }
        return -1;
    }

    @Test
    void aViewerFedByTheReserveTakesNoChildrenThere() {
        EngineHarness v = new EngineHarness(keys);
        PieceSigner signer = new PieceSigner(keys);
        v.connectPeer(5, addr(5), false, true, 0, 0, 0);
        v.control(5, broadcasterMap(0xF), 0);
        for (int seq = 0; seq < 5; seq++) {
            piece(v, signer, seq, 0, 0);
        }
        for (long t = 0; t < 12 * S; t += S / 4) {
            v.engine.onTimer(t);
        }
        piece(v, signer, 5, 12 * S - 3_500_000_000L, 12 * S); // substream 1 suffers
        for (long t = 12 * S; t < 13 * S; t += S / 4) {
            v.engine.onTimer(t);
        }
        assertThat(lastResortSubscribes(v)).extracting(Subscribe::getSubstream).containsExactly(1);
        v.control(5, Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(1)
                .setAccepted(true).setReserve(true)).build(), 13 * S);
        assertThat(v.engine.depth(1)).as("fed straight from the broadcaster").isEqualTo(1);

        // At depth 1 it would look like the best parent there is; a subtree would then live on the reserve.
        v.connectPeer(6, addr(6), true, false, 13 * S, CONTRIBUTOR_BPS, 1);
        assertThat(v.sentTo(6).stream().filter(Control::hasBufferMap).reduce((a, b) -> b).orElseThrow()
                .getBufferMap().getOpenSubstreams() & 2).as("substream 1 not offered").isZero();
        v.subscribe(6, 1, false, 13 * S);
        assertThat(v.lastReply(6).getAccepted()).isFalse();
        v.subscribe(6, 2, false, 13 * S);
        assertThat(v.lastReply(6).getAccepted()).as("the other trees take children as before").isTrue();
    }

    @Test
    void theJoinGateHoldsEvenWhenPiecesComeLate() {
        EngineHarness v = new EngineHarness(keys);
        PieceSigner signer = new PieceSigner(keys);
        v.connectPeer(5, addr(5), false, true, 0, 0, 0);
        v.control(5, broadcasterMap(0xF), 0);
        piece(v, signer, 0, 0, 0);
        for (long t = 0; t < 9 * S; t += S / 4) {
            piece(v, signer, 5 + 4 * (t / (S / 4)), t - 3_500_000_000L, t); // substream 1, always too late
            v.engine.onTimer(t);
        }
        assertThat(lastResortSubscribes(v)).as("too soon after joining").isEmpty();
    }

    /** A piece of {@code seq}, published at {@code publishNs}, from peer 5 (the broadcaster in these tests). */
    static void piece(EngineHarness v, PieceSigner signer, long seq, long publishNs, long nowNs) {
        Piece p = signer.sign(1, seq, Math.max(0, publishNs / 1000), seq == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                Payload.wrap(new byte[1000]));
        v.engine.onFrame(5, PieceCodec.encodeHeader(p), p.payload(), nowNs);
    }

    @Test
    void aViewerWithANeighbourOfferingRoomDoesNotAskTheReserve() {
        EngineHarness v = new EngineHarness(keys);
        v.connectPeer(5, addr(5), false, true, 0, 0, 0);
        v.control(5, broadcasterMap(0xF), 0);
        v.connectPeer(6, addr(6), false, false, 0, CONTRIBUTOR_BPS, 0);
        for (long t = 0; t < 12 * S; t += S / 4) {
            // The neighbour is attached in every tree and offers room in each; it never answers a subscribe, so
            // this viewer stays detached, but it knows where room is.
            v.control(6, Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                    .addAllDepth(List.of(1, 1, 1, 1)).setOpenSubstreams(0xF)).build(), t);
            v.engine.onTimer(t);
        }
        assertThat(lastResortSubscribes(v)).isEmpty();
    }

    @Test
    void atAFullParentAContributorTakesThePlaceOfAChildThatUploadsNothing() {
        EngineHarness v = new EngineHarness(keys); // 4 Mbit/s: 6 slots
        int own = v.engine.primarySubstream();
        int other = (own + 1) % 4;
        // Fill the primary tree with leaves that contribute, then one other-tree child that uploads nothing.
        int slots = (int) (0.85 * 4_000_000 * 4 / 2_000_000);
        for (int i = 0; i < slots - 1; i++) {
            v.connectPeer(10 + i, addr(10 + i), true, false, 0, CONTRIBUTOR_BPS, other);
            v.subscribe(10 + i, own, false, 0);
            assertThat(v.lastReply(10 + i).getAccepted()).isTrue();
        }
        v.connectPeer(30, addr(30), true, false, 0, 0, other);
        v.subscribe(30, other, false, 0);
        assertThat(v.lastReply(30).getAccepted()).isTrue();
        // Full now. A free rider asking for the other tree is turned away; a contributor takes the rider's slot.
        v.connectPeer(31, addr(31), true, false, 0, 0, other);
        v.subscribe(31, other, false, S);
        assertThat(v.lastReply(31).getAccepted()).isFalse();
        v.connectPeer(32, addr(32), true, false, 0, CONTRIBUTOR_BPS, (own + 2) % 4);
        v.subscribe(32, other, false, S);
        assertThat(v.lastReply(32).getAccepted()).isTrue();
        assertThat(v.lastReply(30).getAccepted()).as("the rider lost its slot").isFalse();
    }

    /**
     * A broadcaster's upload that holds 4 roots, 2 slots of repair share and {@code reserveSlots} reserve slots in the
     * share of it the reserve is sized from.
     */
    static long uploadWithReserve(int reserveSlots) {
        return (long) Math.ceil((4 + 2 + reserveSlots) * SUBSTREAM_BPS / PeerEngine.RESERVE_SIZING_SHARE);
    }

    /** A broadcaster with this upload, its four roots taken, and viewer 20 holding a reserve slot in tree 3 since 1 s. */
    private EngineHarness broadcasterWithReserveHolder(long uploadBps) {
        EngineHarness b = EngineHarness.broadcaster(keys, uploadBps);
        fillRoots(b);
        b.connectPeer(20, addr(20), true, false, 0, CONTRIBUTOR_BPS, 1);
        b.subscribe(20, 3, true, S);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        return b;
    }

    private static void fillRoots(EngineHarness b) {
        fillRoots(b, CONTRIBUTOR_BPS);
    }

    /** Viewers 10-13, declaring this upload, each forwarding one tree and its root. */
    static void fillRoots(EngineHarness b, long uploadBps) {
        for (int k = 0; k < 4; k++) {
            b.connectPeer(10 + k, addr(10 + k), true, false, 0, uploadBps, k);
            b.subscribe(10 + k, k, false, 0);
            assertThat(b.lastReply(10 + k).getAccepted()).isTrue();
        }
    }

    private static Control broadcasterMap(int reserveSubstreams) {
        return Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addAllDepth(List.of(0, 0, 0, 0)).setReserveSubstreams(reserveSubstreams)).build();
    }

    /** The last-resort subscribes sent to peer 5, the broadcaster in these tests. */
    static List<Subscribe> lastResortSubscribes(EngineHarness h) {
        return h.sentTo(5).stream().filter(Control::hasSubscribe).map(Control::getSubscribe)
                .filter(Subscribe::getLastResort).toList();
    }

    private static List<Subscribe> subscribesFor(EngineHarness h, long peer, int k) {
        return h.sentTo(peer).stream().filter(Control::hasSubscribe).map(Control::getSubscribe)
                .filter(sub -> sub.getSubstream() == k).toList();
    }

    static InetSocketAddress addr(int i) {
        return new InetSocketAddress("198.51.100." + i, 7000);
    }

    private static Control depths(int... depths) {
        BufferMap.Builder m = BufferMap.newBuilder().setEpoch(1);
        for (int d : depths) {
            m.addDepth(d);
        }
        return Control.newBuilder().setBufferMap(m).build();
    }
}
