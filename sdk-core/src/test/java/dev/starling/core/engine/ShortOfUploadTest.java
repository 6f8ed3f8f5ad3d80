package dev.starling.core.engine;

import static dev.starling.core.engine.ReserveTest.addr;
import static dev.starling.core.engine.ReserveTest.lastResortSubscribes;
import static dev.starling.core.engine.ReserveTest.piece;
import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Subscribe;
import dev.starling.core.wire.proto.SubscribeReply;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A swarm whose viewers upload less than the stream needs: the broadcaster, which hears nearly every viewer's
 * handshake, tells viewers so; it then takes forwarders as extra roots while its reserve feeds leaves, and viewers
 * ask the reserve without the join wait and keep a slot longer.
 */
class ShortOfUploadTest {
    private static final long S = 1_000_000_000L;
    /** 0.8x the default 2 Mbit/s: 2 push slots of a 0.5 Mbit/s substream, fewer than the 4 trees need. */
    private static final long WEAK_BPS = 1_600_000;
    /** 1.2x: 4 push slots, one parent in every tree each. */
    private static final long ENOUGH_BPS = 2_400_000;
    private static final long UNLIMITED_BPS = Long.MAX_VALUE;
    private final ChannelKeys keys = ChannelKeys.generate();

    // ------------------------------------------------------------------ the broadcaster's judgement

    @Test
    void theBroadcasterSaysTheSwarmIsShortOnceAHundredViewersDeclareTooFewSlots() {
        assertThat(saysShortAfter(99, WEAK_BPS, false)).as("99 are too few to judge by").isFalse();
        assertThat(saysShortAfter(100, WEAK_BPS, false)).isTrue();
        assertThat(saysShortAfter(100, ENOUGH_BPS, false)).as("a parent in every tree each").isFalse();
        assertThat(saysShortAfter(100, WEAK_BPS, true)).as("those that came for the reserve do not count").isFalse();
    }

    @Test
    void freeRidersDoNotMakeTheSwarmShort() {
        // 100 contributors with a parent's worth of slots each, then 150 that upload nothing: the contributors
        // still cover one another, and the reserve serves no free rider.
        EngineHarness b = EngineHarness.broadcaster(keys, UNLIMITED_BPS);
        b.connectPeer(10, addr(10), true, false, 0, ENOUGH_BPS, 0);
        hearFrom(b, 99, ENOUGH_BPS, false);
        hearFrom(b, 150, 0, false);
        b.engine.onTimer(S);
        assertThat(b.lastBufferMap(10).getSwarmShortOfUpload()).isFalse();
    }

    @Test
    void aViewerHeardAgainUnderTheSamePeerIdCountsOnce() {
        // One weak viewer stays connected while 150 more connections, each from a /24 of its own, bring its peer
        // id again: each is a duplicate, dropped, and none is a sample of the swarm.
        EngineHarness b = EngineHarness.broadcaster(keys, UNLIMITED_BPS);
        b.connectPeer(10, addr(10), true, false, 0, ENOUGH_BPS, 0);
        hearFrom(b, 60, ENOUGH_BPS, false);
        Control weak = b.handshake(7, addr(7), false, WEAK_BPS, 0);
        for (int i = 0; i < 150; i++) {
            b.engine.onConnected(2_000 + i, ownSubnet(2_000 + i), true, 0);
            b.engine.onFrame(2_000 + i, ControlCodec.encode(weak), Payload.empty(), 0);
        }
        b.engine.onTimer(S);
        assertThat(b.disconnects).as("duplicates and those the full broadcaster refused").isNotEmpty();
        assertThat(b.lastBufferMap(10).getSwarmShortOfUpload()).as("61 strong, 1 weak").isFalse();
        hearFrom(b, 3_000, 39, WEAK_BPS, false);
        b.engine.onTimer(2 * S);
        assertThat(b.lastBufferMap(10).getSwarmShortOfUpload()).as("61 strong, 40 weak: short").isTrue();
    }

    @Test
    void oneSubnetCountsAtMostItsShareOfTheSample() {
        // 150 weak viewers (2 slots) from one /24 (one machine under many peer ids, say) among 100 strong ones (5
        // slots): the /24 counts 4 times (PeerExchangeConfig.maxPerSubnet), so the swarm is not short; from 150
        // /24s, it is.
        assertThat(saysShortWithWeakOnes(true)).isFalse();
        assertThat(saysShortWithWeakOnes(false)).isTrue();
    }

    private boolean saysShortWithWeakOnes(boolean oneSubnet) {
        long strongBps = 3_000_000; // 5 slots
        EngineHarness b = EngineHarness.broadcaster(keys, UNLIMITED_BPS);
        b.connectPeer(10, addr(10), true, false, 0, strongBps, 0);
        hearFrom(b, 99, strongBps, false);
        for (int i = 0; i < 150; i++) {
            int id = 5_000 + i;
            InetSocketAddress at = oneSubnet ? new InetSocketAddress("203.0.113." + (i % 250), 7000) : ownSubnet(id);
            b.engine.onConnected(id, at, true, 0);
            b.engine.onFrame(id, ControlCodec.encode(b.handshake(id, at, false, WEAK_BPS, i % 4)), Payload.empty(), 0);
        }
        b.engine.onTimer(S);
        return b.lastBufferMap(10).getSwarmShortOfUpload();
    }

    /**
     * Whether, after {@code viewers} declaring this upload (and coming for the reserve, or not), the broadcaster's
     * handshake and maps say short.
     */
    private boolean saysShortAfter(int viewers, long uploadBps, boolean seekReserve) {
        EngineHarness b = EngineHarness.broadcaster(keys, UNLIMITED_BPS);
        b.connectPeer(10, addr(10), true, false, 0, uploadBps, 0);
        hearFrom(b, viewers - 1, uploadBps, seekReserve);
        b.engine.onTimer(S);
        boolean inMaps = b.lastBufferMap(10).getSwarmShortOfUpload();
        b.connectPeer(99, addr(99), true, false, S, uploadBps, 0);
        assertThat(b.sentTo(99).stream().filter(Control::hasHandshake).findFirst().orElseThrow().getHandshake()
                .getSwarmShortOfUpload()).as("a newcomer's handshake says the same").isEqualTo(inMaps);
        return inMaps;
    }

    @Test
    void whileTheReserveFeedsLeavesInATreeAForwarderOfItBecomesAnExtraRoot() {
        EngineHarness b = broadcasterWithAReserveLeafInTreeZero(WEAK_BPS, UNLIMITED_BPS);
        assertThat(b.lastBufferMap(30).getDisplaceableSubstreams() & 1).as("offered to forwarders of tree 0")
                .isEqualTo(1);
        b.subscribe(32, 0, false, 2 * S);
        assertThat(b.lastReply(32).getAccepted()).as("forwards another tree").isFalse();
        b.subscribe(30, 0, false, 2 * S);
        assertThat(b.lastReply(30).getAccepted()).isTrue();
        assertThat(b.lastReply(30).getReserve()).as("a root, not a reserve leaf").isFalse();
        assertThat(b.engine.counters().extraRoots()).isEqualTo(1);
        assertThat(b.sentTo(10)).as("the first root keeps its place")
                .noneMatch(c -> c.hasSubscribeReply() && !c.getSubscribeReply().getAccepted());

        b.subscribe(31, 0, false, 2 * S);
        assertThat(b.lastReply(31).getAccepted()).as("one reserve leaf, one extra root: no more").isFalse();
        b.engine.onTimer(3 * S);
        assertThat(b.lastBufferMap(31).getDisplaceableSubstreams() & 1).isZero();
    }

    @Test
    void anExtraRootIsPaidFromTheReserve() {
        // Two reserve slots: the leaf in tree 0 holds one, the extra root takes the other, and no third is left.
        EngineHarness b = broadcasterWithAReserveLeafInTreeZero(WEAK_BPS, ReserveTest.uploadWithReserve(2));
        b.subscribe(30, 0, false, 2 * S);
        assertThat(b.lastReply(30).getAccepted()).isTrue();
        b.subscribe(21, 2, true, 2 * S);
        assertThat(b.lastReply(21).getAccepted()).as("the reserve's two slots are in use").isFalse();
        b.unsubscribe(30, 0, 3 * S);
        b.subscribe(21, 2, true, 3 * S);
        assertThat(b.lastReply(21).getReserve()).as("the extra root gone, its slot is free").isTrue();
    }

    @Test
    void whenTheSwarmIsNoLongerShortOneExtraRootATreeMakesWayEachSecond() {
        EngineHarness b = broadcasterWithAReserveLeafInTreeZero(WEAK_BPS, UNLIMITED_BPS);
        b.subscribe(30, 0, false, 2 * S);
        assertThat(b.lastReply(30).getAccepted()).isTrue();
        b.engine.onTimer(5 * S);
        assertThat(b.engine.counters().extraRootsDemoted()).as("still short").isZero();
        hearFrom(b, 200, 6_000_000, false); // strong newcomers: the mean is now well above 4 slots
        b.engine.onTimer(6 * S);
        assertThat(b.engine.counters().extraRootsDemoted()).isEqualTo(1);
        assertThat(List.of(10L, 30L)).as("one of tree 0's two roots is told to go")
                .filteredOn(id -> b.sentTo(id).stream().anyMatch(c -> c.hasSubscribeReply()
                        && c.getSubscribeReply().getSubstream() == 0 && !c.getSubscribeReply().getAccepted()))
                .hasSize(1);
        b.engine.onTimer(7 * S);
        assertThat(b.engine.counters().extraRootsDemoted()).as("serverFanout roots stay").isEqualTo(1);
    }

    @Test
    void aReserveChildAskingAgainIsToldItsSlotIsTheReserves() {
        // Its first answer was lost; told it is a root, it would take a subtree onto the reserve.
        EngineHarness b = broadcasterWithAReserveLeafInTreeZero(WEAK_BPS, UNLIMITED_BPS);
        b.subscribe(20, 0, false, 2 * S);
        assertThat(b.lastReply(20).getAccepted()).isTrue();
        assertThat(b.lastReply(20).getReserve()).isTrue();
    }

    @Test
    void aSwarmWithUploadEnoughTakesNoExtraRoot() {
        EngineHarness b = broadcasterWithAReserveLeafInTreeZero(ENOUGH_BPS, UNLIMITED_BPS);
        assertThat(b.lastBufferMap(30).getDisplaceableSubstreams() & 1).isZero();
        b.subscribe(30, 0, false, 2 * S);
        assertThat(b.lastReply(30).getAccepted()).isFalse();
        assertThat(b.engine.counters().extraRoots()).isZero();
    }

    @Test
    void aForwarderWaitsForTheReserveToFeedALeafBeforeItBecomesAnExtraRoot() {
        EngineHarness b = EngineHarness.broadcaster(keys, UNLIMITED_BPS);
        connectSwarm(b, WEAK_BPS);
        b.subscribe(30, 0, false, S);
        assertThat(b.lastReply(30).getAccepted()).as("short of upload, but no leaf on the reserve in tree 0")
                .isFalse();
    }

    /**
     * An unlimited broadcaster whose four roots (one per tree, each forwarding it), viewers 20-27 (primary tree 1)
     * and 30-32 (primary 0, 0 and 2), and 100 viewers more it heard from, all declare {@code uploadBps}; viewer 20 holds a reserve slot in tree 0 since 1 s.
     */
    private EngineHarness broadcasterWithAReserveLeafInTreeZero(long uploadBps, long broadcasterUploadBps) {
        EngineHarness b = EngineHarness.broadcaster(keys, broadcasterUploadBps);
        connectSwarm(b, uploadBps);
        b.subscribe(20, 0, true, S);
        assertThat(b.lastReply(20).getReserve()).isTrue();
        b.engine.onTimer(S);
        return b;
    }

    /**
     * Handshakes from {@code n} more viewers declaring this upload, kept as neighbours or not (the broadcaster
     * counts every one).
     */
    private static void hearFrom(EngineHarness b, int n, long uploadBps, boolean seekReserve) {
        hearFrom(b, 1_000, n, uploadBps, seekReserve);
    }

    /** As above, their connection and peer ids counted from {@code firstId}. */
    private static void hearFrom(EngineHarness b, int firstId, int n, long uploadBps, boolean seekReserve) {
        for (int i = 0; i < n; i++) {
            long id = firstId + i;
            InetSocketAddress at = ownSubnet(firstId + i);
            b.engine.onConnected(id, at, true, 0);
            Control hs = b.handshake(id, at, false, uploadBps, i % 4);
            hs = hs.toBuilder().setHandshake(hs.getHandshake().toBuilder().setSeeksReserve(seekReserve)).build();
            b.engine.onFrame(id, ControlCodec.encode(hs), Payload.empty(), 0);
        }
    }

    /** An address in a /24 of its own, as viewers across the Internet mostly are. */
    private static InetSocketAddress ownSubnet(int id) {
        return new InetSocketAddress("10." + (id >> 8 & 255) + "." + (id & 255) + ".1", 7000);
    }

    private static void connectSwarm(EngineHarness b, long uploadBps) {
        ReserveTest.fillRoots(b, uploadBps);
        for (int i = 0; i < 8; i++) {
            b.connectPeer(20 + i, addr(20 + i), true, false, 0, uploadBps, 1);
        }
        b.connectPeer(30, addr(30), true, false, 0, uploadBps, 0);
        b.connectPeer(31, addr(31), true, false, 0, uploadBps, 0);
        b.connectPeer(32, addr(32), true, false, 0, uploadBps, 2);
        hearFrom(b, 100, uploadBps, false);
    }

    // ------------------------------------------------------------------ viewers told the swarm is short

    @Test
    void toldTheSwarmIsShortAViewerAsksTheReserveWithoutTheJoinWaitAndBeforeLosingAPiece() {
        assertThat(firstReserveRequestNs(true)).as("2 s without a parent, no neighbour with room").isEqualTo(2 * S);
        assertThat(firstReserveRequestNs(false)).as("nothing lost, and within the join wait").isEqualTo(-1);
    }

    /** When a new viewer, only the broadcaster around, first asks its reserve (ticks of 250 ms up to 9 s), or -1. */
    private long firstReserveRequestNs(boolean swarmShort) {
        EngineHarness v = new EngineHarness(keys);
        PieceSigner signer = new PieceSigner(keys);
        connectBroadcaster(v, swarmShort);
        for (int seq = 0; seq < 5; seq++) {
            piece(v, signer, seq, 0, 0); // they set the clock; pulled in time, nothing missed
        }
        for (long t = 0; t < 9 * S; t += S / 4) {
            v.engine.onTimer(t);
            if (!lastResortSubscribes(v).isEmpty()) {
                return t;
            }
        }
        return -1;
    }

    @Test
    void onceStartedAViewerInAShortSwarmAsksTheReserveOnlyAfterLosingAPiece() {
        // No parent anywhere; a neighbour's pieces (pulled, say) arrive as published, so the viewer starts after
        // 1.5 s. Started, it asks the reserve for a tree only once it loses a piece of it, short swarm or not.
        EngineHarness v = new EngineHarness(keys).connectPeer(false);
        connectBroadcaster(v, true);
        PieceSigner signer = new PieceSigner(keys);
        long pieceNs = 65_000_000L;
        long seq = 0;
        for (long t = 0; t <= 10 * S; t += S / 4) {
            for (; seq * pieceNs <= t; seq++) {
                if (seq % 4 != 1 || seq * pieceNs < 5 * S) { // from 5 s, tree 1's pieces stop coming
                    Piece p = signer.sign(1, seq, seq * pieceNs / 1000, seq % 15 == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT
                            : 0, Payload.wrap(new byte[] {(byte) seq}));
                    v.receive(p, seq * pieceNs + 1);
                }
            }
            v.engine.onTimer(t);
            if (t == 2 * S) {
                assertThat(v.delivered).as("started on the run that arrived").isNotEmpty();
            }
            if (t == 7 * S) {
                assertThat(lastResortSubscribes(v)).as("started, detached everywhere, nothing lost").isEmpty();
            }
        }
        assertThat(v.gaps).as("tree 1's pieces from 5 s were missed").isNotEmpty();
        assertThat(lastResortSubscribes(v)).extracting(Subscribe::getSubstream).as("unanswered, it asks again")
                .isNotEmpty().containsOnly(1);
    }

    @Test
    void inAShortSwarmAReserveChildHoldsItsSlotAMinuteUntilTheBroadcasterSaysOtherwise() {
        FedByTheReserve f = fedByTheReserveInTreeOne();
        f.feed(20 * S, true);
        assertThat(unsubscribes(f.v)).as("20 s: past the usual 15 s hold").isEmpty();
        assertThat(f.v.engine.depth(1)).isEqualTo(1);

        f.feed(S / 4, false);
        assertThat(unsubscribes(f.v)).containsExactly(1);
        assertThat(f.v.engine.counters().reserveHandedBack()).isEqualTo(1);
    }

    @Test
    void inAShortSwarmAReserveChildHandsItsSlotBackAfterAMinute() {
        FedByTheReserve f = fedByTheReserveInTreeOne();
        f.feed(59 * S, true);
        assertThat(unsubscribes(f.v)).isEmpty();
        f.feed(2 * S, true);
        assertThat(unsubscribes(f.v)).as("a minute on, to see whether its neighbours now keep it fed")
                .containsExactly(1);
        assertThat(f.v.engine.counters().reserveHandedBack()).isEqualTo(1);
    }

    /** A viewer told the swarm is short, granted a reserve slot in tree 1 at {@code t}, fed there from then on. */
    private final class FedByTheReserve {
        final EngineHarness v = new EngineHarness(keys);
        final PieceSigner signer = new PieceSigner(keys);
        long t;
        long seq = 1;

        /** Pushes tree 1 (seq 1 mod 4) every 250 ms for {@code forNs}, the broadcaster's maps saying short or not. */
        void feed(long forNs, boolean swarmShort) {
            for (long end = t + forNs; t < end; t += S / 4) {
                piece(v, signer, seq, t, t);
                seq += 4;
                if (t % S == 0 || !swarmShort) {
                    v.control(5, broadcasterMap(swarmShort), t);
                }
                v.engine.onTimer(t);
            }
        }
    }

    private FedByTheReserve fedByTheReserveInTreeOne() {
        FedByTheReserve f = new FedByTheReserve();
        connectBroadcaster(f.v, true);
        piece(f.v, f.signer, 0, 0, 0);
        for (; f.t < 3 * S && lastResortSubscribes(f.v).stream().noneMatch(s -> s.getSubstream() == 1);
             f.t += S / 4) {
            f.v.engine.onTimer(f.t);
        }
        assertThat(lastResortSubscribes(f.v)).extracting(Subscribe::getSubstream).contains(1);
        f.v.control(5, Control.newBuilder().setSubscribeReply(SubscribeReply.newBuilder().setSubstream(1)
                .setAccepted(true).setReserve(true)).build(), f.t);
        assertThat(f.v.engine.depth(1)).isEqualTo(1);
        return f;
    }

    private void connectBroadcaster(EngineHarness v, boolean swarmShort) {
        InetSocketAddress at = addr(5);
        v.engine.onConnected(5, at, false, 0);
        Control hs = v.handshake(5, at, true, 0, 0);
        hs = hs.toBuilder().setHandshake(hs.getHandshake().toBuilder().setSwarmShortOfUpload(swarmShort)).build();
        v.engine.onFrame(5, ControlCodec.encode(hs), Payload.empty(), 0);
        v.control(5, broadcasterMap(swarmShort), 0);
    }

    static Control broadcasterMap(boolean swarmShort) {
        return Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)
                .addAllDepth(List.of(0, 0, 0, 0)).setReserveSubstreams(0xF).setSwarmShortOfUpload(swarmShort))
                .build();
    }

    private static List<Integer> unsubscribes(EngineHarness v) {
        return v.sentTo(5).stream().filter(Control::hasUnsubscribe).map(c -> c.getUnsubscribe().getSubstream())
                .toList();
    }
}
