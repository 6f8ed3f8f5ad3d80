package dev.starling.core.piece;

/**
 * Checks that a piece is intact and signed by the channel key. Stateless with respect to the stream: epoch,
 * replay and window checks belong to the engine, which knows where the stream is.
 */
public interface PieceVerifier {

    /** @return null if the piece is authentic, else why not */
    RejectReason verify(Piece piece);

    /**
     * The instance to keep of a piece this verifier has passed: the piece itself, or an equal one (same header,
     * same payload handle) already kept elsewhere. A simulator that runs thousands of nodes in one heap shares one
     * instance between them, where each would otherwise keep its own copy of every header.
     *
     * @param verified a piece for which {@link #verify} returned null
     */
    default Piece canonical(Piece verified) {
        return verified;
    }
}
