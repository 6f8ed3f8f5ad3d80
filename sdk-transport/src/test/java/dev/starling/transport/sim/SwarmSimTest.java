package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Seeded swarm simulations of the shipping engine. Every assertion message names the seed: rerun the same
 * config with it to replay the run event for event.
 */
class SwarmSimTest {
    private static final long SEED = Long.getLong("starling.sim.seed", 20261124L);

    private static SwarmSimulation.Config.Builder base() {
        return SwarmSimulation.Config.builder().seed(SEED).viewers(200).durationS(60).bitrateBps(2_000_000)
                .pieceBytes(16 * 1024).playoutDelayMs(3000).viewerUploadX(2.0).latencyMs(10, 100).loss(0);
    }

    private static String seedNote(SwarmSimulation.Result r) {
        return "seed " + r.config().seed() + " (replay with -Dstarling.sim.seed=" + r.config().seed() + "): "
                + r.summary();
    }

    private static List<SwarmSimulation.ViewerReport> honest(SwarmSimulation.Result r) {
        return r.viewers().stream().filter(v -> !v.forger).collect(Collectors.toList());
    }

    @Test
    void everyViewerDeliversEveryPieceFromItsStartInOrderAndIntact() {
        SwarmSimulation.Result r = new SwarmSimulation(base().build()).run(null);
        System.out.println("200 viewers, 60 s: " + r.summary());
        String note = seedNote(r);
        assertThat(r.corruptBytes()).as(note).isZero();
        assertThat(r.orderViolations()).as(note).isZero();
        for (SwarmSimulation.ViewerReport v : r.viewers()) {
            assertThat(v.startSeq).as("viewer started; " + note).containsKey(1L);
            assertThat(v.missed).as("pieces missed by a viewer; " + note).isZero();
            assertThat(v.stats.piecesLate()).as("pieces late at a viewer; " + note).isZero();
            assertThat(v.deliveredAfterDeadline).as("delivered after the deadline, by the true clock; " + note).isZero();
            // From its start to the end of the stream, without a hole.
            long expected = v.lastSeq.get(1L) - v.startSeq.get(1L) + 1;
            assertThat(v.delivered).as("delivered from start to end; " + note).isEqualTo(expected);
        }
        long published = r.streamBytes() / (16 * 1024);
        assertThat(r.viewers()).allSatisfy(v ->
                assertThat(v.lastSeq.get(1L)).as("reached the last piece; " + note).isEqualTo(published - 1));
        assertThat(r.serverUploadRatio()).as(note).isLessThanOrEqualTo(3.0);
        assertThat(r.continuity()).as(note).isEqualTo(1.0);
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        SwarmSimulation.Config cfg = base().viewers(60).durationS(20).loss(0.01).build();
        SwarmSimulation.Result a = new SwarmSimulation(cfg).run(null);
        SwarmSimulation.Result b = new SwarmSimulation(cfg).run(null);
        String note = seedNote(a);
        assertThat(b.events()).as(note).isEqualTo(a.events());
        assertThat(b.broadcasterBytesUploaded()).as(note).isEqualTo(a.broadcasterBytesUploaded());
        assertThat(b.latencyMsP50()).as(note).isEqualTo(a.latencyMsP50());
        assertThat(b.latencyMsP99()).as(note).isEqualTo(a.latencyMsP99());
        assertThat(b.continuity()).as(note).isEqualTo(a.continuity());
        for (int i = 0; i < a.viewers().size(); i++) {
            assertThat(b.viewers().get(i).stats).as("viewer " + i + "; " + note).isEqualTo(a.viewers().get(i).stats);
        }
        SwarmSimulation.Result other = new SwarmSimulation(base().viewers(60).durationS(20).loss(0.01)
                .seed(SEED + 1).build()).run(null);
        assertThat(other.events()).as("another seed gives another run").isNotEqualTo(a.events());
    }

    @Test
    void theSameSeedGivesTheSameRunOnAnyNumberOfThreads() {
        // Everything that crosses lanes at once: forgers (dropped peers), churn (closes between windows), a blocked
        // app callback, a broadcaster restart (a new node at an old address) and loss.
        SwarmSimulation.Config.Builder cfg = base().viewers(80).durationS(24).loss(0.01).forgers(2)
                .churnPerMin(0.3).slowViewer(5, 6, 1).restart(12, 2);
        SwarmSimulation.Result one = new SwarmSimulation(cfg.threads(1).build()).run(null);
        String note = seedNote(one);
        // One lane on one thread; 16 lanes shared by two threads; 24 by three (more threads than CI's two cores,
        // so which thread runs which lane changes from window to window).
        for (int threads : new int[] {2, 3}) {
            SwarmSimulation.Result two = new SwarmSimulation(cfg.threads(threads).build()).run(null);
            String on = threads + " threads; " + note;
            assertThat(two.summary().replaceAll(" wallS=\\S+", "")).as(on)
                    .isEqualTo(one.summary().replaceAll(" wallS=\\S+", ""));
            assertThat(two.broadcasterBytesUploaded()).as(on).isEqualTo(one.broadcasterBytesUploaded());
            assertThat(two.viewers()).as(on).hasSameSizeAs(one.viewers());
            for (int i = 0; i < one.viewers().size(); i++) {
                SwarmSimulation.ViewerReport a = one.viewers().get(i);
                SwarmSimulation.ViewerReport b = two.viewers().get(i);
                assertThat(b.stats).as("viewer " + i + "; " + on).isEqualTo(a.stats);
                assertThat(b.gaps).as("viewer " + i + "; " + on).isEqualTo(a.gaps);
                assertThat(b.appDelivered).as("viewer " + i + "; " + on).isEqualTo(a.appDelivered);
            }
        }
        assertThat(one.viewers().stream().mapToLong(v -> v.stats.piecesRejected()).sum())
                .as("the forgers' pieces reached other lanes and were caught; " + note).isPositive();
        assertThat(one.viewers().stream().filter(v -> v.leaveNs >= 0).count()).as("viewers left; " + note)
                .isPositive();
    }

    @Test
    void aBroadcasterWhoseUplinkCarriesFourCopiesServesTheSwarm() {
        // An ordinary machine's uplink: four times the bitrate. At the start every viewer dials the broadcaster,
        // which keeps a few and turns the rest away with addresses to go on with. Those words queue behind the
        // pieces on its uplink; while a close overtook them in the simulator, the viewers it turned away heard
        // nothing, dialled again and again, and the queue grew without end: continuity 0.876 here (seed 1, the
        // simulator's defaults; 0.99936 since), 0.00022 at 1,000 viewers.
        long seed = Long.getLong("starling.sim.seed", 1L);
        SwarmSimulation.Result r = new SwarmSimulation(SwarmSimulation.Config.builder().seed(seed).viewers(200)
                .durationS(30).uploadDist(UploadDistribution.parse("heterogeneous")).latencyMs(5, 75).loss(0.005)
                .serverUploadBps(8_000_000).build()).run(null);
        System.out.println("broadcaster at 4x the bitrate: " + r.summary());
        String note = seedNote(r);
        assertThat(r.corruptBytes()).as(note).isZero();
        assertThat(r.continuity()).as(note).isGreaterThan(0.99);
        assertThat(r.serverUploadRatio()).as("within its uplink; " + note).isLessThanOrEqualTo(4.0);
    }

    @Test
    void aForgingPeerIsDroppedAndNoForgedByteIsDelivered() {
        SwarmSimulation.Result r = new SwarmSimulation(base().viewers(100).durationS(30).forgers(3).build()).run(null);
        System.out.println("forgers: " + r.summary());
        String note = seedNote(r);
        assertThat(r.corruptBytes()).as(note).isZero();
        long dropped = honest(r).stream().mapToLong(v -> v.stats.peersDropped()).sum();
        long rejected = honest(r).stream().mapToLong(v -> v.stats.piecesRejected()).sum();
        assertThat(rejected).as("forged pieces were sent and caught; " + note).isGreaterThan(30);
        assertThat(dropped).as("every forged piece got its sender dropped; " + note).isEqualTo(rejected);
        assertThat(r.openLinksAfterForgery()).as("no one keeps a link that brought it a forgery; " + note).isZero();
        assertThat(r.continuity()).as("delivery goes on from the others; " + note).isGreaterThan(0.99);
    }

    @Test
    void viewersThatClaimStrongUploadAndForwardNothingAreDroppedAsRoots() {
        // Four liars: they declare twice the others' upload, so the broadcaster makes them roots, and forward
        // nothing. Without the broadcaster's check of its roots' trees the honest viewers' continuity was 0.52 here;
        // with it, a liar starves its tree for the three seconds or so the check needs, once (0.937 at this seed;
        // 0.928 when only neighbours fed by the other trees judged, and 0.26-0.91 at seeds 1-5 then).
        SwarmSimulation.Result r = new SwarmSimulation(base().viewers(200).durationS(40).liars(4).build()).run(null);
        System.out.println("liars: " + r.summary() + " p01=" + r.viewerContinuityQuantile(0.01));
        String note = seedNote(r);
        assertThat(r.corruptBytes()).as(note).isZero();
        assertThat(r.viewers().stream().filter(v -> v.liar).count()).as(note).isEqualTo(4);
        assertThat(r.viewers().stream().filter(v -> v.liar).mapToLong(v -> v.stats.bytesUploaded()).sum())
                .as("the liars' engines pushed pieces that never left their hosts; " + note).isPositive();
        assertThat(r.continuity()).as("the honest viewers' continuity; " + note).isGreaterThan(0.9);
    }

    @Test
    void aTwentiethOfViewersLyingAboutUploadCostsLittle() {
        // The simulator's defaults with 50 liars among 1,000 viewers (sim --viewers 1000 --liars 50 at seed 1, the
        // run that showed it): each drop cuts a whole tree, and the next root's tree is still re-forming when it is
        // judged. Without judging a tree as re-forming for 10 s after a drop, honest roots were dropped one after
        // another: continuity 0.837 (0.706 with the quicker check); with it 0.972, 0.962 since roots hand over.
        long seed = Long.getLong("starling.sim.seed", 1L);
        SwarmSimulation.Result r = new SwarmSimulation(SwarmSimulation.Config.builder().seed(seed).viewers(1000)
                .durationS(60).uploadDist(UploadDistribution.parse("heterogeneous")).latencyMs(5, 75).loss(0.005)
                .liars(50).build()).run(null);
        System.out.println("liars, 5%: " + r.summary());
        String note = seedNote(r);
        assertThat(r.corruptBytes()).as(note).isZero();
        assertThat(r.continuity()).as("the honest viewers' continuity; " + note).isGreaterThan(0.95);
    }

    @Test
    void aBlockedCallbackCostsOnlyItsOwnViewerGaps() {
        int slow = 7;
        SwarmSimulation.Config.Builder cfg = base().viewers(100).durationS(30);
        SwarmSimulation.Result calm = new SwarmSimulation(cfg.build()).run(null);
        SwarmSimulation.Result r = new SwarmSimulation(cfg.slowViewer(slow, 10, 2).build()).run(null);
        System.out.println("slow viewer: " + r.summary());
        String note = seedNote(r);
        SwarmSimulation.ViewerReport sv = r.viewers().get(slow);
        assertThat(sv.stats.piecesDroppedSlowApp()).as("the slow app lost pieces to gaps; " + note).isPositive();
        assertThat(sv.appGapsSlowConsumer).as("its app was told of the gap; " + note).isPositive();
        assertThat(sv.appDelivered + sv.stats.piecesDroppedSlowApp()).as("and resumed afterwards; " + note)
                .isEqualTo(sv.delivered);
        // The app's queue is the app's: the swarm, this viewer's forwarding included, runs exactly as without it.
        for (int i = 0; i < r.viewers().size(); i++) {
            if (i != slow) {
                assertThat(r.viewers().get(i).stats).as("viewer " + i + " unaffected; " + note)
                        .isEqualTo(calm.viewers().get(i).stats);
            }
        }
        assertThat(sv.stats.bytesUploaded()).as("the slow viewer still forwards; " + note)
                .isEqualTo(calm.viewers().get(slow).stats.bytesUploaded());
    }

    @Test
    void endOfStreamReachesEveryViewerAndARestartIsFollowed() {
        SwarmSimulation.Result r = new SwarmSimulation(base().viewers(100).durationS(40).restart(15, 3).build())
                .run(null);
        System.out.println("restart: " + r.summary());
        String note = seedNote(r);
        assertThat(r.corruptBytes()).as(note).isZero();
        for (SwarmSimulation.ViewerReport v : r.viewers()) {
            assertThat(v.ends).as("end of epoch 1 reached; " + note).contains(1L);
            assertThat(v.startSeq).as("followed epoch 2; " + note).containsKey(2L);
            assertThat(v.delivered).as(note).isPositive();
        }
        assertThat(r.orderViolations()).as(note).isZero();
        // The broadcaster's upload by part, across the restart: the parts add up, and no second goes negative
        // (the old instance is counted once, not again until the new one is up).
        SwarmSimulation.BroadcasterUpload up = r.broadcasterUpload();
        assertThat(up.rootBytes() + up.handOverBytes() + up.reserveBytes() + up.repairBytes()).as(note)
                .isEqualTo(r.broadcasterBytesUploaded());
        for (int sec = 0; sec < 40; sec++) {
            long[] parts = {up.rootBytesPerSecond()[sec], up.handOverBytesPerSecond()[sec],
                up.reserveBytesPerSecond()[sec], up.repairBytesPerSecond()[sec]};
            assertThat(java.util.Arrays.stream(parts).min().orElseThrow()).as("second %d: %s; %s", sec,
                    java.util.Arrays.toString(parts), note).isNotNegative();
            assertThat(parts[0] + parts[1] + parts[2] + parts[3]).as("second %d; %s", sec, note)
                    .isEqualTo(r.broadcasterBytesPerSecond()[sec]);
        }
    }
}
