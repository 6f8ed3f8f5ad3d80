package dev.starling.core.engine;

import dev.starling.api.Stats;

/** The engine's counters; written only on the engine's loop, read there too (snapshot for other threads). */
public final class EngineCounters {
    long bytesFromBroadcaster;
    long bytesFromPeers;
    long bytesUploaded;
    long piecesDelivered;
    long piecesLate;
    long piecesMissed;
    long piecesDroppedSlowApp;
    long piecesRejected;
    long duplicatePieces;
    long latencyMsLast = -1;
    long peersDropped;
    long framesRejected;
    long bytesUploadedPush;
    long bytesUploadedRepair;
    long bytesUploadedReserve;
    long bytesUploadedHandOver;
    long peerAddressesRefused;
    long peerExchangesIgnored;
    long peersRotated;
    long reserveAdmitted;
    long reserveTurnsEnded;
    long reserveHandedBack;
    long neighboursReplacedByStronger;
    long rootsReplaced;
    long rootsDropped;
    long reserveSlotsReclaimed;
    long strangersClosedUnanswered;
    long extraRoots;
    long extraRootsDemoted;

    /** @return broadcaster: reserve slots given to viewers that found no room among their neighbours */
    public long reserveAdmitted() { return reserveAdmitted; }
    /** @return broadcaster: reserve slots taken back, after a turn, for a viewer that waited */
    public long reserveTurnsEnded() { return reserveTurnsEnded; }
    /** @return viewer: reserve slots handed back after a hold, to see whether neighbours keep the tree fed */
    public long reserveHandedBack() { return reserveHandedBack; }
    /** @return broadcaster: neighbours holding no slot let go for a newcomer that uploads at least twice as much */
    public long neighboursReplacedByStronger() { return neighboursReplacedByStronger; }
    /** @return broadcaster: tree roots that made way for a neighbour forwarding that tree with clearly more upload */
    public long rootsReplaced() { return rootsReplaced; }
    /** @return broadcaster: tree roots dropped, and barred from rooting for ten minutes, because their tree did not deliver */
    public long rootsDropped() { return rootsDropped; }
    /** @return broadcaster: reserve slots taken back because the holder's maps showed a depth other than 1 there for 3 s */
    public long reserveSlotsReclaimed() { return reserveSlotsReclaimed; }
    /**
     * @return broadcaster: diallers it was too full to take and had no upload to spare to tell so (handshake, addresses,
     *         goodbye): closed without a word; they retry after a backoff
     */
    public long strangersClosedUnanswered() { return strangersClosedUnanswered; }
    /**
     * @return broadcaster: viewers forwarding a tree taken as extra roots of it while its reserve fed leaves there
     *         (each frees a slot lower down for one of them)
     */
    public long extraRoots() { return extraRoots; }
    /** @return broadcaster: extra roots that made way, one a tree a second, once the swarm was no longer short */
    public long extraRootsDemoted() { return extraRootsDemoted; }
    /** @return neighbours let go to make room for a parent in a tree where the node had none */
    public long peersRotated() { return peersRotated; }
    /** @return payload bytes uploaded */
    public long bytesUploaded() { return bytesUploaded; }
    /** @return payload bytes received from the broadcaster */
    public long bytesFromBroadcaster() { return bytesFromBroadcaster; }
    /** @return payload bytes received from other viewers */
    public long bytesFromPeers() { return bytesFromPeers; }
    /** @return pieces delivered in order */
    public long piecesDelivered() { return piecesDelivered; }
    /** @return pieces that arrived after their deadline */
    public long piecesLate() { return piecesLate; }
    /** @return pieces skipped as gaps */
    public long piecesMissed() { return piecesMissed; }
    /** @return pieces that failed verification */
    public long piecesRejected() { return piecesRejected; }
    /** @return verified duplicates */
    public long duplicatePieces() { return duplicatePieces; }
    /** @return peers dropped for misbehaviour */
    public long peersDropped() { return peersDropped; }
    /** @return payload bytes pushed to children */
    public long bytesUploadedPush() { return bytesUploadedPush; }
    /** @return payload bytes sent in answer to requests */
    public long bytesUploadedRepair() { return bytesUploadedRepair; }
    /** @return broadcaster: payload bytes pushed to children in reserve slots (a part of {@link #bytesUploadedPush()}) */
    public long bytesUploadedReserve() { return bytesUploadedReserve; }
    /**
     * @return broadcaster: payload bytes pushed to tree roots that made way, while they hand over (a part of
     *     {@link #bytesUploadedPush()})
     */
    public long bytesUploadedHandOver() { return bytesUploadedHandOver; }

    /** @return addresses from peer exchange or discovery refused (not dialable, or over a subnet or source cap) */
    public long peerAddressesRefused() { return peerAddressesRefused; }
    /** @return peer-exchange messages ignored because a peer sent them faster than allowed */
    public long peerExchangesIgnored() { return peerExchangesIgnored; }

    /** Records pieces the app's queue could not take (the node counts them; they are also missed). */
    public void addDroppedSlowApp(long pieces) {
        piecesDroppedSlowApp += pieces;
        piecesMissed += pieces;
        piecesDelivered -= pieces;
    }

    /** @return an immutable snapshot */
    public Stats snapshot(int peersConnected) {
        return new Stats(bytesFromBroadcaster, bytesFromPeers, bytesUploaded, piecesDelivered, piecesLate,
                piecesMissed, piecesDroppedSlowApp, piecesRejected, duplicatePieces, latencyMsLast, peersConnected,
                peersDropped);
    }
}
