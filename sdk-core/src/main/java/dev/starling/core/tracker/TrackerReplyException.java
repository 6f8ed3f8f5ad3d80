package dev.starling.core.tracker;

/** A tracker reply that cannot be used: malformed, oversized, for another request, or a refusal. */
public final class TrackerReplyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean refusal;

    private TrackerReplyException(String message, boolean refusal) {
        super(message, null, false, false);
        this.refusal = refusal;
    }

    /** @return an exception for bytes that break the protocol */
    public static TrackerReplyException malformed(String message) {
        return new TrackerReplyException(message, false);
    }

    /** @return an exception for a well-formed refusal: the tracker's {@code failure reason} or BEP 15 error */
    public static TrackerReplyException refused(String trackerMessage) {
        return new TrackerReplyException("tracker refused the announce: " + trackerMessage, true);
    }

    /** @return whether the tracker answered properly but said no (as opposed to sending bad bytes) */
    public boolean isRefusal() {
        return refusal;
    }
}
