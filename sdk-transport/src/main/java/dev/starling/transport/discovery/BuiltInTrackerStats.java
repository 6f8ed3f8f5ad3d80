package dev.starling.transport.discovery;

/**
 * What a {@link BuiltInTracker} has done so far.
 *
 * @param peers     peers it holds now
 * @param connects  connect requests answered
 * @param announces announces answered with peers
 * @param refused   announces answered with an error (another channel, a port below 1024, one IP's share full)
 * @param ignored   datagrams dropped unanswered (malformed, unknown action, a stale or forged connection id)
 */
public record BuiltInTrackerStats(int peers, long connects, long announces, long refused, long ignored) {
}
