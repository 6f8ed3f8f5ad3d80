package dev.starling.core.tracker;

/**
 * The retry delay both tracker sessions use: {@code base * 2^n} after the n-th failure in a row, n capped at 8 (as
 * BEP 15 prescribes for UDP, with base = 15 s), back to the base after a success.
 */
final class RetryBackoff {
    static final int MAX_EXPONENT = 8;

    private final long baseNs;
    private int failures;

    RetryBackoff(long baseNs) {
        this.baseNs = baseNs;
    }

    /** @return the delay before the next try */
    long delayNs() {
        return baseNs << failures;
    }

    /** One more failure: the next delay doubles (up to the cap). */
    void failed() {
        failures = Math.min(failures + 1, MAX_EXPONENT);
    }

    /** The tracker answered: back to the base delay. */
    void succeeded() {
        failures = 0;
    }
}
