package dev.starling.transport.udp;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The receiving side of selective acknowledgement, sans I/O: remembers which packet numbers arrived and describes
 * them as a cumulative point plus ranges above it. Bounded: packets more than {@code windowPackets} beyond the
 * cumulative point are refused (a sender may not run that far ahead), so a peer cannot make it hold more than
 * {@code windowPackets} bits.
 *
 * <p>A retransmission travels under a new packet number, so numbers the sender has given up on (declared lost) never
 * arrive: {@link #forgetBelow} moves the cumulative point past them when the sender says so.
 */
final class SackReceiver {
    /** A run of received packet numbers, {@code first..last} inclusive. */
    record Range(long first, long last) {
    }

    private final int windowPackets;
    private final BitSet above = new BitSet(); // bit i: packet cumulative + 1 + i arrived
    private long cumulative = -1; // every packet up to this one arrived
    private long refused;
    private long duplicates;

    SackReceiver(int windowPackets) {
        this.windowPackets = windowPackets;
    }

    /**
     * Records packet {@code number}.
     *
     * @return true if it is new (deliver it), false for a duplicate or one beyond the window (drop it)
     */
    boolean onPacket(long number) {
        if (number <= cumulative) {
            duplicates++;
            return false;
        }
        long offset = number - cumulative - 1;
        if (offset >= windowPackets) {
            refused++;
            return false;
        }
        if (above.get((int) offset)) {
            duplicates++;
            return false;
        }
        above.set((int) offset);
        int advance = above.nextClearBit(0);
        if (advance > 0) {
            cumulative += advance;
            shiftDown(advance);
        }
        return true;
    }

    /** @return whether packet {@code number} would be recorded as new (not a duplicate, within the window) */
    boolean accepts(long number) {
        long offset = number - cumulative - 1;
        return offset >= 0 && offset < windowPackets && !above.get((int) offset);
    }

    /** The sender wants nothing below {@code oldest} any more: treat those numbers as settled. */
    void forgetBelow(long oldest) {
        if (oldest - 1 <= cumulative) {
            return;
        }
        long advance = oldest - 1 - cumulative;
        cumulative = oldest - 1;
        if (advance >= above.length()) {
            above.clear();
        } else {
            shiftDown((int) advance);
        }
        int more = above.nextClearBit(0);
        if (more > 0) {
            cumulative += more;
            shiftDown(more);
        }
    }

    /** Everything up to this packet number has arrived (-1: nothing yet). */
    long cumulative() {
        return cumulative;
    }

    /** @return the ranges received above {@link #cumulative()}, newest first, at most {@code max} of them */
    List<Range> ranges(int max) {
        List<Range> out = new ArrayList<>();
        int end = above.length();
        while (end > 0 && out.size() < max) {
            int last = above.previousSetBit(end - 1);
            if (last < 0) {
                break;
            }
            int first = above.previousClearBit(last) + 1;
            out.add(new Range(cumulative + 1 + first, cumulative + 1 + last));
            end = first;
        }
        return out;
    }

    /** @return packets refused for being beyond the window */
    long refused() {
        return refused;
    }

    /** @return packets that arrived twice */
    long duplicates() {
        return duplicates;
    }

    private void shiftDown(int n) {
        BitSet shifted = above.get(n, Math.max(n, above.length()));
        above.clear();
        above.or(shifted);
    }
}
