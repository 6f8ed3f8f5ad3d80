package dev.starling.transport.discovery;

/**
 * What one tracker client has done so far. Immutable snapshot.
 *
 * @param announcesSent          announce and connect requests sent
 * @param repliesAccepted        announce replies used
 * @param repliesRejected        replies refused: malformed, oversized, for no request of ours, or the tracker's
 *                               own refusal ({@code failure reason}, BEP 15 error)
 * @param repliesFromWrongAddress UDP datagrams from an address other than the tracker's, ignored
 * @param peersReceived          usable peer addresses received
 * @param peersIgnored           peer entries dropped (a port below 1024, a host name)
 * @param lastError              the most recent error, or null
 */
public record TrackerStats(long announcesSent, long repliesAccepted, long repliesRejected,
                           long repliesFromWrongAddress, long peersReceived, long peersIgnored, String lastError) {
}
