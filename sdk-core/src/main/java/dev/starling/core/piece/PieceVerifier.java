package dev.starling.core.piece;

/**
 * Checks that a piece is intact and signed by the channel key. Stateless with respect to the stream: epoch,
 * replay and window checks belong to the engine, which knows where the stream is.
 */
public interface PieceVerifier {

    /** @return null if the piece is authentic, else why not */
    RejectReason verify(Piece piece);
}
