package dev.starling.core.util;

/**
 * Counts per {@code long} key, by open addressing with linear probing: two arrays, no boxed keys or values, and a
 * key whose count falls to zero is gone. For the candidate pool's addresses per subnet, which as a
 * {@code HashMap<Long, Integer>} cost three objects a subnet in every one of thousands of engines (the simulator).
 * Keys may come from peers, so the hash is keyed by a secret seed: no one can aim long probe runs.
 * Internal to Starling; not thread-safe.
 */
public final class LongCounts {
    private final long seed;
    private long[] keys;
    private int[] counts; // 0 marks a free slot
    private int size;

    /** @param seed keys the hash; keep it from peers */
    public LongCounts(long seed) {
        this(seed, 8);
    }

    /**
     * @param seed         keys the hash; keep it from peers
     * @param expectedKeys keys it is sized for without growing
     */
    public LongCounts(long seed, int expectedKeys) {
        this.seed = seed;
        int capacity = Integer.highestOneBit(Math.max(16, 2 * expectedKeys) - 1) << 1;
        keys = new long[capacity];
        counts = new int[capacity];
    }

    /** @return the number of keys with a count above zero */
    public int size() {
        return size;
    }

    /** @return the count of {@code key} (0 if absent) */
    public int get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); counts[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return counts[i];
            }
        }
        return 0;
    }

    /**
     * Adds {@code delta} to the count of {@code key}; a count that reaches zero or less removes the key.
     *
     * @return the new count (0 if removed)
     */
    public int add(long key, int delta) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        for (; counts[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                int n = counts[i] + delta;
                if (n <= 0) {
                    deleteAt(i, mask);
                    size--;
                    return 0;
                }
                counts[i] = n;
                return n;
            }
        }
        if (delta <= 0) {
            return 0;
        }
        keys[i] = key;
        counts[i] = delta;
        if (++size * 2 > keys.length) {
            grow();
        }
        return delta;
    }

    /** Backward-shift deletion, as in {@link LongMap}: no tombstones. */
    private void deleteAt(int hole, int mask) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (counts[i] == 0) {
                break;
            }
            if (!LongMap.staysInRun(hole, i, slot(keys[i], mask))) {
                keys[hole] = keys[i];
                counts[hole] = counts[i];
                hole = i;
            }
        }
        counts[hole] = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[oldKeys.length * 2];
        counts = new int[oldCounts.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldCounts[j] != 0) {
                int i = slot(oldKeys[j], mask);
                while (counts[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                counts[i] = oldCounts[j];
            }
        }
    }

    private int slot(long key, int mask) {
        return (int) mix(key ^ seed) & mask;
    }

    /** The finaliser of SplitMix64: every input bit reaches every output bit. */
    public static long mix(long v) {
        v = (v ^ (v >>> 30)) * 0xBF58476D1CE4E5B9L;
        v = (v ^ (v >>> 27)) * 0x94D049BB133111EBL;
        return v ^ (v >>> 31);
    }
}
