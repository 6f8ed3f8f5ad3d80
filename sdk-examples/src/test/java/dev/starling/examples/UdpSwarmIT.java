package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.StreamConfig;
import dev.starling.testing.RecordingLeakDetector;
import org.junit.jupiter.api.Test;

/**
 * A broadcaster and 30 viewers for 20 s at 2 Mbit/s over the {@code udp} transport on loopback, through the public
 * API, at Netty's default leak level (sampled; {@link UdpSwarmLeakIT} tracks every buffer of a smaller swarm).
 * {@link UdpLossSwarmIT} does the same with 5% of datagrams dropped.
 */
class UdpSwarmIT {
    static final StreamConfig STREAM = StreamConfig.builder().bitrateHintBps(2_000_000).build();

    @Test
    void thirtyViewersPlayTheWholeStreamAfterWarmUpFromEachOther() throws InterruptedException {
        LoopbackSwarm.Result r = new LoopbackSwarm(
                new LoopbackSwarm.Settings("udp", 30, 20, 3, 0, 1, STREAM), System.err).run();
        System.err.println("udp swarm: " + r);

        assertThat(r.corruptBytes()).as("corrupt bytes").isZero();
        assertThat(r.continuity()).as("continuity after a 3 s warm-up: %s", r).isGreaterThanOrEqualTo(0.999);
        assertThat(r.serverUploadRatio()).as("broadcaster upload / stream").isLessThanOrEqualTo(2.0);
        assertThat(r.viewersEnded()).as("viewers that saw the end of stream").isEqualTo(30);
        assertThat(r.trackerRepliesAccepted()).as("announces answered by the tracker sharing the broadcaster's socket")
                .isEqualTo(30);
        assertThat(r.udp().retransmissionsAfterDeadline()).as("retransmissions after a deadline").isZero();
        assertNoLeaks();
    }

    private static void assertNoLeaks() {
        assertThat(RecordingLeakDetector.recording()).as("leak detector installed (sampling)").isTrue();
        assertThat(RecordingLeakDetector.collectAndReport()).as("Netty buffer leaks").isEmpty();
    }
}
