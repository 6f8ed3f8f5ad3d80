package dev.starling.core.util;

/**
 * A map from {@code long} to non-null values, by open addressing with linear probing: no boxed keys and no entry
 * objects, so a lookup touches two arrays. For the engine's per-message lookups of a peer by connection id, which
 * a {@code HashMap<Long, V>} makes a chase through cold objects once thousands of engines share one process (the
 * simulator). Not for iteration (it has no order); keep an ordered collection beside it where order matters.
 * Internal to Starling; not thread-safe.
 *
 * @param <V> the value type
 */
public final class LongMap<V> {
    private long[] keys;
    private Object[] values; // null marks a free slot
    private int size;

    /** An empty map. */
    public LongMap() {
        keys = new long[16];
        values = new Object[16];
    }

    /** @return the number of keys */
    public int size() {
        return size;
    }

    /** @return the value for {@code key}, or null */
    @SuppressWarnings("unchecked")
    public V get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (V) values[i];
            }
        }
        return null;
    }

    /** Maps {@code key} to {@code value} (not null). @return the previous value, or null */
    @SuppressWarnings("unchecked")
    public V put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
        }
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
        return null;
    }

    /** Removes {@code key}. @return its value, or null */
    @SuppressWarnings("unchecked")
    public V remove(long key) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                deleteAt(i, mask);
                size--;
                return old;
            }
        }
        return null;
    }

    /** Removes every key. */
    public void clear() {
        java.util.Arrays.fill(values, null);
        size = 0;
    }

    /** Backward-shift deletion: moves later members of the probe run up, so no tombstones are needed. */
    private void deleteAt(int hole, int mask) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (values[i] == null) {
                break;
            }
            if (!staysInRun(hole, i, slot(keys[i], mask))) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        values[hole] = null;
    }

    /**
     * Backward-shift deletion's test, for every linear-probing table here: the member at slot {@code i}, whose home
     * slot is {@code home}, stays where it is unless moving it into {@code hole} keeps it reachable, that is unless
     * its home does not lie cyclically in (hole, i].
     */
    public static boolean staysInRun(int hole, int i, int home) {
        return hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldValues[j] != null) {
                int i = slot(oldKeys[j], mask);
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing: sequential ids spread over the table
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
