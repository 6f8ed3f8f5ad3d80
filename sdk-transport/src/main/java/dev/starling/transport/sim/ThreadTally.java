package dev.starling.transport.sim;

/**
 * Counts that simulated nodes on every simulator thread add to: each thread adds to its own row and the rows are
 * summed when read, so two cores never write one cache line. (Shared atomic counters were written by both cores
 * for every piece delivered; sums do not depend on the order of the additions, so results stay the same.)
 */
final class ThreadTally {
    private final long[][] rows;

    /**
     * @param threads the network's threads
     * @param length  counters
     */
    ThreadTally(int threads, int length) {
        rows = new long[threads][length];
    }

    /** Adds {@code n} to counter {@code i}, from thread {@code thread} ({@link SimNetwork#threadIndex()}). */
    void add(int thread, int i, long n) {
        rows[thread][i] += n;
    }

    /** @return the sum of counter {@code i} over all threads; call when no thread is adding */
    long get(int i) {
        long sum = 0;
        for (long[] row : rows) {
            sum += row[i];
        }
        return sum;
    }

    /** @return counters */
    int length() {
        return rows[0].length;
    }
}
