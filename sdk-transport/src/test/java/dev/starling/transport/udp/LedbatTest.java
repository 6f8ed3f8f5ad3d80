package dev.starling.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedbatTest {
    private static final long MS = 1_000_000L;
    private static final long OFFSET = 5_000_000_000L; // the receiver's clock runs 5 s ahead: must not matter

    @Test
    void belowTheTargetTheWindowGrowsByAboutAPacketPerWindowAcknowledged() {
        Ledbat l = new Ledbat(100 * MS);
        long start = l.cwndBytes();
        long now = 0;
        for (int i = 0; i < 100; i++) {
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, l.cwndBytes(), now); // no queue: 20 ms path
        }
        assertThat(l.cwndBytes()).isGreaterThan(start + 5 * Ledbat.MSS);
        assertThat(l.queuingDelayNs()).isZero();
    }

    @Test
    void aQueueAboveTheTargetShrinksTheWindowButNeverBelowTwoPackets() {
        Ledbat l = new Ledbat(100 * MS);
        l.onLoss(0); // out of slow start: the window grows by LEDBAT's rule alone
        long now = 0;
        for (int i = 0; i < 200; i++) {
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, l.cwndBytes(), now);
        }
        long grown = l.cwndBytes();
        for (int i = 0; i < 500; i++) {
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 320 * MS, 340 * MS, l.cwndBytes(), now); // 300 ms of queue
        }
        assertThat(l.queuingDelayNs()).isEqualTo(300 * MS);
        assertThat(l.cwndBytes()).isLessThan(grown).isEqualTo(Ledbat.MIN_CWND_PACKETS * Ledbat.MSS);
    }

    @Test
    void atTheTargetTheWindowHolds() {
        Ledbat l = new Ledbat(100 * MS);
        long now = 0;
        l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, l.cwndBytes(), now);
        for (int i = 0; i < Ledbat.CURRENT_FILTER; i++) { // until the 20 ms sample leaves the current filter
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 120 * MS, 140 * MS, l.cwndBytes(), now);
        }
        long before = l.cwndBytes();
        for (int i = 0; i < 100; i++) {
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 120 * MS, 140 * MS, l.cwndBytes(), now);
        }
        assertThat(l.cwndBytes()).isEqualTo(before);
    }

    @Test
    void lossHalvesTheWindowOncePerRoundTrip() {
        Ledbat l = new Ledbat(100 * MS);
        long now = 0;
        for (int i = 0; i < 300; i++) {
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, l.cwndBytes(), now);
        }
        long before = l.cwndBytes();
        l.onLoss(now);
        l.onLoss(now + 10 * MS); // the same round trip: one congestion event
        assertThat(l.cwndBytes()).isBetween(before / 2 - 1, before / 2 + 1);
        assertThat(l.losses()).isEqualTo(1);
        l.onLoss(now + 50 * MS);
        assertThat(l.losses()).isEqualTo(2);
    }

    @Test
    void anApplicationLimitedSenderDoesNotBankWindow() {
        Ledbat l = new Ledbat(100 * MS);
        long now = 0;
        for (int i = 0; i < 1_000; i++) {
            now += MS;
            l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, Ledbat.MSS, now); // one packet in flight at a time
        }
        assertThat(l.cwndBytes()).isLessThanOrEqualTo(3L * Ledbat.MSS);
    }

    @Test
    void theBaseDelayForgetsMinutesOlderThanTheHistory() {
        Ledbat l = new Ledbat(100 * MS);
        long minute = 60_000 * MS;
        l.onAck(Ledbat.MSS, 10 * MS, 20 * MS, 0, 0); // a short path, once
        for (int m = 1; m <= Ledbat.BASE_HISTORY; m++) {
            l.onAck(Ledbat.MSS, 60 * MS, 120 * MS, 0, m * minute); // the route got longer
        }
        assertThat(l.queuingDelayNs()).isZero();
    }

    @Test
    void slowStartDoublesAFullWindowPerRoundTripUntilTheQueueReachesHalfTheTarget() {
        Ledbat l = new Ledbat(100 * MS);
        long now = 0;
        long start = l.cwndBytes();
        for (int round = 0; round < 3; round++) { // each round trip the whole window is acknowledged
            long window = l.cwndBytes();
            for (long acked = 0; acked < window; acked += Ledbat.MSS) {
                l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, window, now += MS);
            }
        }
        assertThat(l.inSlowStart()).isTrue();
        assertThat(l.cwndBytes()).isGreaterThanOrEqualTo(8 * start - Ledbat.MSS);
        for (int i = 0; i < Ledbat.CURRENT_FILTER; i++) { // the queue builds to 60 ms: past half the target
            l.onAck(Ledbat.MSS, OFFSET + 80 * MS, 100 * MS, l.cwndBytes(), now += MS);
        }
        assertThat(l.inSlowStart()).isFalse();
        long grown = l.cwndBytes();
        l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, l.cwndBytes(), now += MS); // the queue is gone again
        assertThat(l.cwndBytes()).as("back to LEDBAT's additive growth").isLessThan(grown + Ledbat.MSS);
    }

    @Test
    void aLossEndsSlowStart() {
        Ledbat l = new Ledbat(100 * MS);
        l.onAck(Ledbat.MSS, OFFSET + 20 * MS, 40 * MS, l.cwndBytes(), MS);
        l.onLoss(2 * MS);
        assertThat(l.inSlowStart()).isFalse();
    }
}
