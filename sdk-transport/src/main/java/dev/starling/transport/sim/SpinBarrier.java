package dev.starling.transport.sim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for the simulator's threads, which meet twice per window (some ten thousand times per
 * simulated minute). Waiters spin before they yield and then sleep: waking a parked thread, as
 * {@link java.util.concurrent.CyclicBarrier} does, took some 0.1 ms per window on the 2-core VM, a tenth of a
 * 1,000-viewer run. What the last thread to arrive wrote before it arrived is visible to every thread leaving.
 * A thread that arrives or waits interrupted breaks the barrier, as {@code CyclicBarrier} does: it and every thread
 * waiting or arriving later get an {@link IllegalStateException}, so an interrupted simulation ends.
 */
final class SpinBarrier {
    private static final int SPINS = 1 << 14;
    private static final int YIELDS = 1 << 8;
    private static final long PARK_NS = 50_000;

    private final int parties;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    private volatile boolean broken;

    SpinBarrier(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be >= 1, got " + parties);
        }
        this.parties = parties;
    }

    /**
     * Waits until all parties have called this, then lets them all go (and is ready for the next round).
     *
     * @throws IllegalStateException if the barrier is broken: this or another thread was interrupted
     */
    void await() {
        if (broken || Thread.currentThread().isInterrupted()) {
            throw breakBarrier();
        }
        int gen = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0); // before the generation moves, so that no one can arrive for the next round first
            generation = gen + 1;
            return;
        }
        for (int i = 0; generation == gen; ) {
            if (broken) {
                throw breakBarrier();
            }
            if (i < SPINS) {
                i++;
                Thread.onSpinWait();
            } else if (Thread.currentThread().isInterrupted()) {
                throw breakBarrier();
            } else if (i < SPINS + YIELDS) {
                i++;
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NS); // i stops counting here: a long wait never wraps it round to spinning
            }
        }
    }

    private IllegalStateException breakBarrier() {
        broken = true;
        return new IllegalStateException("simulation interrupted");
    }
}
