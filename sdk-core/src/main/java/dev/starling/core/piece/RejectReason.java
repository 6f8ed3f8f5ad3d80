package dev.starling.core.piece;

/** Why a piece was refused. Each check has its own reason, so a log or counter says exactly what failed. */
public enum RejectReason {
    /** The header is malformed: a field missing or of the wrong size, an unknown flag. */
    MALFORMED_HEADER,
    /** Fewer (or more) payload bytes than the header declares. */
    TRUNCATED,
    /** The payload does not hash to the declared SHA-256: flipped bits in transit or a forgery. */
    PAYLOAD_HASH_MISMATCH,
    /** The signature does not verify under the channel key: forged, or signed by another key. */
    BAD_SIGNATURE,
    /** From an epoch older than the one being followed. */
    STALE_EPOCH,
    /** A sequence number already received or already played: a replay. */
    REPLAYED_SEQUENCE,
    /** Too far behind the playback point or ahead of the live edge to be of use. */
    OUTSIDE_LIVE_WINDOW
}
