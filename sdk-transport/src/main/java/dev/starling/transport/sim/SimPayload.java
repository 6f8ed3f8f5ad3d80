package dev.starling.transport.sim;

import dev.starling.api.spi.HeapPayload;

/**
 * A payload in the simulator: immutable, shared by every simulated node that forwards it (no copies), with a
 * slot where a verifier may note the exact header it verified under, so a simulated swarm verifies each
 * genuine piece once instead of once per viewer. A forged piece is a different instance or a different header,
 * so it is always verified for real.
 */
public final class SimPayload extends HeapPayload {
    volatile Object verifiedMemo;
    /** The header this payload was last sent under, decoded once for every node it reaches. */
    volatile SharedHeader header;

    /** @param bytes the content; not copied, must not change */
    public SimPayload(byte[] bytes) {
        super(bytes);
    }
}
