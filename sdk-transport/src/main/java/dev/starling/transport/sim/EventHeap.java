package dev.starling.transport.sim;

import java.util.Arrays;

/**
 * The simulator's event queue: a binary heap ordered by (time, sequence) whose keys live in two primitive arrays,
 * so sifting compares numbers in place rather than dereferencing an event object per comparison (with ten thousand
 * nodes the queue holds hundreds of thousands of events, far more than the caches). Same order as a
 * {@code PriorityQueue<Event>}: ties in time go by sequence, so runs replay.
 */
final class EventHeap {
    private long[] times = new long[1024];
    private long[] seqs = new long[1024];
    private SimNetwork.Event[] events = new SimNetwork.Event[1024];
    private int size;

    int size() {
        return size;
    }

    void add(SimNetwork.Event e) {
        if (size == times.length) {
            int n = size * 2;
            times = Arrays.copyOf(times, n);
            seqs = Arrays.copyOf(seqs, n);
            events = Arrays.copyOf(events, n);
        }
        int i = size++;
        long t = e.atNs;
        long s = e.seq;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(t, s, times[parent], seqs[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, t, s, e);
    }

    /** @return the earliest event's time; only when not empty */
    long peekTime() {
        return times[0];
    }

    /** Removes and returns the earliest event, or null if there is none. */
    SimNetwork.Event poll() {
        if (size == 0) {
            return null;
        }
        SimNetwork.Event first = events[0];
        int last = --size;
        long t = times[last];
        long s = seqs[last];
        SimNetwork.Event e = events[last];
        events[last] = null;
        if (last > 0) {
            int i = 0;
            int half = last >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < last && less(times[right], seqs[right], times[child], seqs[child])) {
                    child = right;
                }
                if (!less(times[child], seqs[child], t, s)) {
                    break;
                }
                move(child, i);
                i = child;
            }
            set(i, t, s, e);
        }
        return first;
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void move(int from, int to) {
        times[to] = times[from];
        seqs[to] = seqs[from];
        events[to] = events[from];
    }

    private void set(int i, long t, long s, SimNetwork.Event e) {
        times[i] = t;
        seqs[i] = s;
        events[i] = e;
    }
}
