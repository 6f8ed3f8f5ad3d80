package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.testing.RecordingLeakDetector;
import org.junit.jupiter.api.Test;

/**
 * A small udp swarm (a broadcaster and 6 viewers for 10 s) with Netty's leak detector at PARANOID: every datagram
 * buffer of the whole path, socket to engine and back, is tracked. The 30-viewer swarms ({@link UdpSwarmIT},
 * {@link UdpLossSwarmIT}) run at the default level, since tracking their 300,000 datagrams starves 2 cores.
 */
class UdpSwarmLeakIT {

    @Test
    void aSmallSwarmLeaksNoBufferWithEveryAllocationTracked() throws InterruptedException {
        LoopbackSwarm.Result r = new LoopbackSwarm(
                new LoopbackSwarm.Settings("udp", 6, 10, 3, 0, 1, UdpSwarmIT.STREAM), System.err).run();
        System.err.println("udp swarm under PARANOID leak detection: " + r);

        assertThat(r.corruptBytes()).as("corrupt bytes").isZero();
        assertThat(r.viewersEnded()).as("viewers that saw the end of stream").isEqualTo(6);
        assertThat(r.continuity()).as("continuity after a 3 s warm-up: %s", r).isGreaterThanOrEqualTo(0.99);
        assertThat(RecordingLeakDetector.installed()).isTrue();
        assertThat(RecordingLeakDetector.collectAndReport()).as("Netty buffer leaks").isEmpty();
    }
}
