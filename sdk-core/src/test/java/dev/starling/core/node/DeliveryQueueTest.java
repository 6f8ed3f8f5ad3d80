package dev.starling.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.Gap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveryQueueTest {
    /** An app thread we run by hand: the app is "slow" until we drain it. */
    private final ArrayDeque<Runnable> appThread = new ArrayDeque<>();
    private final List<String> seen = new ArrayList<>();

    private void drain() {
        while (!appThread.isEmpty()) {
            appThread.poll().run();
        }
    }

    private DeliveryQueue queue(int capacity) {
        DeliveryQueue q = new DeliveryQueue(capacity, appThread::add);
        q.onData((seq, bytes) -> seen.add("data " + seq));
        q.onGap(g -> seen.add("gap " + g.fromSeq() + "-" + g.toSeq() + " " + g.reason()));
        q.onEnd(() -> seen.add("end"));
        return q;
    }

    @Test
    void aSlowAppLosesPiecesToOneGapAndNeverBlocksTheNetwork() {
        DeliveryQueue q = queue(3);
        for (long seq = 0; seq < 10; seq++) {
            q.offerData(1, seq, new byte[] {(byte) seq}); // returns at once whatever the app does
        }
        assertThat(q.droppedTotal()).isEqualTo(7);
        drain();
        q.offerData(1, 10, new byte[1]);
        drain();
        assertThat(seen).containsExactly("data 0", "data 1", "data 2", "gap 3-9 SLOW_CONSUMER", "data 10");
    }

    @Test
    void gapsAndTheEndArriveInOrderWithTheData() {
        DeliveryQueue q = queue(8);
        q.offerData(1, 0, new byte[1]);
        q.offerGap(new Gap(1, 1, 2, Gap.Reason.MISSED_DEADLINE));
        q.offerData(1, 3, new byte[1]);
        q.offerEnd();
        drain();
        assertThat(seen).containsExactly("data 0", "gap 1-2 MISSED_DEADLINE", "data 3", "end");
    }

    @Test
    void callbacksRunOnlyOnTheAppExecutor() {
        DeliveryQueue q = queue(8);
        q.offerData(1, 0, new byte[1]);
        assertThat(seen).isEmpty(); // nothing ran on the offering (network) thread
        drain();
        assertThat(seen).containsExactly("data 0");
    }
}
