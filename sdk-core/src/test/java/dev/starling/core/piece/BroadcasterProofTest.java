package dev.starling.core.piece;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.api.ChannelKeys;
import org.junit.jupiter.api.Test;

/** A broadcaster's proof holds for its channel key, nonce and two peers only. */
class BroadcasterProofTest {
    private final ChannelKeys keys = ChannelKeys.generate();
    private final byte[] channel = keys.channelId().publicKey();
    private final byte[] nonce = bytes(16, 1);
    private final byte[] broadcaster = bytes(16, 2);
    private final byte[] viewer = bytes(16, 3);

    @Test
    void holdsForWhatItWasMadeForAndNothingElse() {
        byte[] proof = new PieceSigner(keys).signBroadcasterProof(nonce, broadcaster, viewer);
        assertThat(BroadcasterProof.verify(channel, proof, nonce, broadcaster, viewer)).isTrue();
        assertThat(BroadcasterProof.verify(channel, proof, bytes(16, 9), broadcaster, viewer)).isFalse();
        assertThat(BroadcasterProof.verify(channel, proof, nonce, viewer, viewer)).isFalse();
        assertThat(BroadcasterProof.verify(channel, proof, nonce, broadcaster, broadcaster)).isFalse();
        assertThat(BroadcasterProof.verify(ChannelKeys.generate().channelId().publicKey(), proof, nonce, broadcaster,
                viewer)).isFalse();
        proof[0] ^= 1;
        assertThat(BroadcasterProof.verify(channel, proof, nonce, broadcaster, viewer)).isFalse();
        assertThat(BroadcasterProof.verify(channel, new byte[63], nonce, broadcaster, viewer)).isFalse();
    }

    @Test
    void aNonceOrPeerIdOfAnotherLengthIsRefusedBeforeSigning() {
        assertThatThrownBy(() -> new PieceSigner(keys).signBroadcasterProof(bytes(15, 1), broadcaster, viewer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 15, 16, 16");
    }

    private static byte[] bytes(int n, int fill) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }
}
