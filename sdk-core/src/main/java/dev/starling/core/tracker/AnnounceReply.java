package dev.starling.core.tracker;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a tracker answered to an announce.
 *
 * @param intervalS    seconds until the next announce, as the tracker asks (clamped to 30 s .. 1 h)
 * @param peers        usable peers (ports of 1024 and up)
 * @param peersIgnored entries dropped: a port below 1024
 */
public record AnnounceReply(int intervalS, List<InetSocketAddress> peers, int peersIgnored) {
    /** The shortest re-announce interval honoured, so a tracker cannot make us hammer it. */
    public static final int MIN_INTERVAL_S = 30;
    /** The longest, so a tracker cannot make us silent for days. */
    public static final int MAX_INTERVAL_S = 3600;

    /** Copies the list. */
    public AnnounceReply {
        peers = List.copyOf(peers);
    }

    static int clampInterval(long s) {
        return (int) Math.max(MIN_INTERVAL_S, Math.min(MAX_INTERVAL_S, s));
    }
}
