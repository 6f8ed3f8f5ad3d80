package dev.starling.core.tracker;

/**
 * One node's announces to one HTTP tracker (BEP 3), sans I/O: the driver sends a GET for the query
 * {@link #poll} returns, then reports the body ({@link #onReply}) or that the request failed ({@link #onFailure}).
 * {@code started} first, then announces at the tracker's interval, {@code stopped} from {@link #stop}. A failed
 * announce is retried after {@code base * 2^n} (n = 0..8), like a UDP one.
 */
public final class HttpTrackerSession {
    private final byte[] infoHash;
    private final byte[] peerId;
    private final int port;
    private final RetryBackoff backoff;

    private boolean inFlight;
    private boolean startedSent;
    private boolean stopped;
    private long nextAnnounceNs;

    /**
     * @param infoHash    the channel's info-hash (20 bytes)
     * @param peerId      this node's 20-byte BitTorrent peer id
     * @param port        the port this node accepts peers on
     * @param retryBaseNs the first retry delay after a failure
     * @param nowNs       the current time: the first announce is due now
     */
    public HttpTrackerSession(byte[] infoHash, byte[] peerId, int port, long retryBaseNs, long nowNs) {
        if (infoHash.length != 20 || peerId.length != 20) {
            throw new IllegalArgumentException("info-hash and peer id are 20 bytes each");
        }
        this.infoHash = infoHash.clone();
        this.peerId = peerId.clone();
        this.port = port;
        this.backoff = new RetryBackoff(retryBaseNs);
        this.nextAnnounceNs = nowNs;
    }

    /** @return the announce query to send now, or null if none is due or one is in flight */
    public String poll(long nowNs) {
        if (stopped || inFlight || nowNs < nextAnnounceNs) {
            return null;
        }
        inFlight = true;
        return HttpTrackerProtocol.announceQuery(infoHash, peerId, port, startedSent ? null : "started",
                UdpTrackerSession.NUM_WANT);
    }

    /** @return when {@link #poll} next has something to send (Long.MAX_VALUE while a request is in flight) */
    public long nextWakeNs() {
        return stopped || inFlight ? Long.MAX_VALUE : nextAnnounceNs;
    }

    /**
     * The reply body to the request in flight.
     *
     * @throws TrackerReplyException if it is malformed or a refusal (then the next announce is backed off)
     */
    public AnnounceReply onReply(byte[] body, long nowNs) throws TrackerReplyException {
        inFlight = false;
        AnnounceReply reply;
        try {
            reply = HttpTrackerProtocol.parseReply(body);
        } catch (TrackerReplyException e) {
            backOff(nowNs);
            throw e;
        }
        backoff.succeeded();
        startedSent = true;
        nextAnnounceNs = nowNs + reply.intervalS() * 1_000_000_000L;
        return reply;
    }

    /** The request failed: no connection, a timeout, or a status other than 200. */
    public void onFailure(long nowNs) {
        inFlight = false;
        backOff(nowNs);
    }

    /** @return the {@code stopped} query to send, or null if the tracker never listed us */
    public String stop() {
        if (stopped) {
            return null;
        }
        stopped = true;
        return startedSent ? HttpTrackerProtocol.announceQuery(infoHash, peerId, port, "stopped", 0) : null;
    }

    private void backOff(long nowNs) {
        nextAnnounceNs = nowNs + backoff.delayNs();
        backoff.failed();
    }
}
