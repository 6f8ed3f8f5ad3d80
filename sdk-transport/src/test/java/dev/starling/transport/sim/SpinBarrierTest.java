package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SpinBarrierTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a broken barrier hangs rather than fails
    void noThreadLeavesARoundBeforeEveryThreadHasArrivedInIt() throws InterruptedException {
        int parties = 3;
        int rounds = 2_000;
        SpinBarrier barrier = new SpinBarrier(parties);
        AtomicInteger arrivals = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < parties; t++) {
            Thread thread = new Thread(() -> {
                for (int round = 1; round <= rounds; round++) {
                    arrivals.incrementAndGet();
                    barrier.await();
                    int seen = arrivals.get();
                    // Everyone arrived in this round; no one can have arrived in the next before all left this one.
                    if (seen < round * parties || seen > (round + 1) * parties) {
                        failure.compareAndSet(null, "round " + round + " saw " + seen + " arrivals");
                    }
                    barrier.await();
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(arrivals.get()).isEqualTo(parties * rounds);
    }

    @Test
    void aBarrierOfOnePartyNeverWaits() {
        SpinBarrier barrier = new SpinBarrier(1);
        barrier.await();
        barrier.await();
        assertThatThrownBy(() -> new SpinBarrier(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
