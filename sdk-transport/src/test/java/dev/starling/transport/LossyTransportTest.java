package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.Payload;
import dev.starling.transport.TransportContractTest.Recorder;
import dev.starling.transport.sim.SimNetwork;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The seeded loss wrapper, over the lossless simulated network. */
class LossyTransportTest {

    /** Sends 2,000 frames through a wrapper with this seed; returns the indexes of the frames that arrived. */
    private static long[] run(long seed, double lossRate, int[] dropped) throws IOException {
        SimNetwork net = new SimNetwork(1, 5, 5, 0);
        LossyTransport receiver = new LossyTransport(net.newTransport(1_000_000_000), lossRate, seed);
        var sender = net.newTransport(1_000_000_000);
        Recorder in = new Recorder();
        Recorder out = new Recorder();
        InetSocketAddress at = receiver.listen(new InetSocketAddress(0), in);
        sender.handler(out);
        sender.connect(at);
        net.runUntil(1_000_000_000L);
        Connection c = out.connected().get(0);
        for (int i = 0; i < 2_000; i++) {
            c.send(new byte[] {(byte) (i >>> 8), (byte) i}, Payload.wrap(new byte[] {1}));
        }
        net.runUntil(5_000_000_000L);
        dropped[0] = (int) receiver.framesDropped();
        return in.frames().stream().mapToLong(f -> ((f[0][0] & 0xFF) << 8) | (f[0][1] & 0xFF)).toArray();
    }

    @Test
    void dropsAboutTheRateAsksKeepsEachLinksFirstFrameAndRepeatsForTheSameSeed() throws IOException {
        int[] dropped = new int[1];
        long[] got = run(42, 0.1, dropped);
        assertThat(got.length + dropped[0]).isEqualTo(2_000);
        assertThat(dropped[0]).as("dropped of 2,000 at 10%% (seed 42)").isBetween(140, 260);
        assertThat(got[0]).as("the first frame (the handshake) always passes").isZero();
        int[] again = new int[1];
        assertThat(run(42, 0.1, again)).as("same seed, same frames").containsExactly(got);
        assertThat(run(43, 0.1, again)).as("another seed, other frames").isNotEqualTo(got);
        assertThat(run(42, 0, again)).hasSize(2_000);
    }
}
