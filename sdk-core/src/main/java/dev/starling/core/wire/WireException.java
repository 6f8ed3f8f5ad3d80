package dev.starling.core.wire;

/**
 * Bad bytes from a peer: a malformed, oversized or unexpected frame. Always caught by the node and answered by
 * closing that one peer, whose address the message should then name.
 */
public final class WireException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, precisely */
    public WireException(String message) {
        super(message, null, false, false);
    }

    /** @param message what was wrong; @param cause the parser's error */
    public WireException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
