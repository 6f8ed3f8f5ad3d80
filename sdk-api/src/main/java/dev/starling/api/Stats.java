package dev.starling.api;

/**
 * A snapshot of one node's counters. Immutable; all counts since the node started.
 *
 * @param bytesFromBroadcaster payload bytes received directly from the broadcaster
 * @param bytesFromPeers       payload bytes received from other viewers
 * @param bytesUploaded        payload bytes this node sent to others
 * @param piecesDelivered      pieces handed to the app, in order
 * @param piecesLate           pieces that arrived after their deadline (dropped)
 * @param piecesMissed         pieces that were gaps: missing at their deadline, or dropped because the app was slow
 * @param piecesDroppedSlowApp of {@code piecesMissed}, those lost because the delivery queue to the app was full
 * @param piecesRejected       pieces that failed verification (forged, corrupt, stale epoch)
 * @param duplicatePieces      verified pieces received again (wasted download)
 * @param latencyMsLast        publish-to-delivery latency of the last delivered piece, by the broadcaster's clock as
 *                             estimated from the newest piece; -1 before the first
 * @param peersConnected       peers connected now
 * @param peersDropped         peers disconnected for misbehaviour
 */
public record Stats(long bytesFromBroadcaster, long bytesFromPeers, long bytesUploaded, long piecesDelivered,
                    long piecesLate, long piecesMissed, long piecesDroppedSlowApp, long piecesRejected,
                    long duplicatePieces, long latencyMsLast, int peersConnected, long peersDropped) {
}
