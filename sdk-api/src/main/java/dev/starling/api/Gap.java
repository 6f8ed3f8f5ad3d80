package dev.starling.api;

/**
 * A run of pieces the viewer skipped: live goes on without them.
 *
 * @param epoch   the broadcaster epoch the pieces belong to
 * @param fromSeq the first skipped sequence number
 * @param toSeq   the last skipped sequence number (inclusive)
 * @param reason  why they were skipped
 */
public record Gap(long epoch, long fromSeq, long toSeq, Reason reason) {

    /** Why pieces were skipped. */
    public enum Reason {
        /** The piece had not arrived by its deadline. */
        MISSED_DEADLINE,
        /** The piece arrived, but the app's delivery queue was full. */
        SLOW_CONSUMER
    }

    /** Checks the range. */
    public Gap {
        if (toSeq < fromSeq) throw new IllegalArgumentException("toSeq " + toSeq + " < fromSeq " + fromSeq);
    }

    /** @return how many pieces the gap covers */
    public long pieceCount() {
        return toSeq - fromSeq + 1;
    }
}
