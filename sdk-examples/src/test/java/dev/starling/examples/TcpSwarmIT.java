package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.StreamConfig;
import dev.starling.testing.RecordingLeakDetector;
import org.junit.jupiter.api.Test;

/**
 * A broadcaster and 30 viewers for 20 s at 2 Mbit/s over real TCP sockets on loopback, through the public API,
 * with Netty's leak detector at PARANOID.
 */
class TcpSwarmIT {

    @Test
    void thirtyViewersPlayTheWholeStreamAfterWarmUpFromEachOther() throws InterruptedException {
        StreamConfig stream = StreamConfig.builder().bitrateHintBps(2_000_000).build();
        LoopbackSwarm.Result r = new LoopbackSwarm(
                new LoopbackSwarm.Settings("tcp", 30, 20, 3, 0, 1, stream), System.err).run();
        System.err.println("tcp swarm: " + r);

        assertThat(r.corruptBytes()).as("corrupt bytes").isZero();
        assertThat(r.continuity()).as("continuity after a 3 s warm-up: %s", r).isGreaterThanOrEqualTo(0.999);
        assertThat(r.serverUploadRatio()).as("broadcaster upload / stream").isLessThanOrEqualTo(2.0);
        assertThat(r.viewersEnded()).as("viewers that saw the end of stream").isEqualTo(30);
        assertThat(RecordingLeakDetector.installed()).isTrue();
        assertThat(RecordingLeakDetector.collectAndReport()).as("Netty buffer leaks").isEmpty();
    }
}
