package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A broadcaster and 30 viewers for 20 s at 2 Mbit/s over the {@code udp} transport on loopback with 5% of every
 * node's datagrams dropped (handshakes and acknowledgements too). Runs in its own JVM at Netty's default leak
 * level (see the failsafe execution {@code udp-under-loss}): tracking every datagram buffer would starve the event
 * loops of this 2-core machine.
 */
class UdpLossSwarmIT {

    @Test
    void withFivePercentDatagramLossContinuityStaysAbove99Percent() throws InterruptedException {
        LoopbackSwarm.Result r = new LoopbackSwarm(
                new LoopbackSwarm.Settings("udp", 30, 20, 3, 0.05, 1, UdpSwarmIT.STREAM), System.err).run();
        System.err.println("udp swarm, 5% loss: " + r);

        assertThat(r.udp().datagramsDroppedByInjectedLoss()).as("datagrams dropped on purpose").isPositive();
        assertThat(r.udp().retransmissions()).as("fragments sent again").isPositive();
        assertThat(r.udp().retransmissionsAfterDeadline()).as("retransmissions after a deadline").isZero();
        assertThat(r.corruptBytes()).as("corrupt bytes").isZero();
        assertThat(r.continuity()).as("continuity after a 3 s warm-up: %s", r).isGreaterThanOrEqualTo(0.99);
        assertThat(r.viewersEnded()).as("viewers that saw the end of stream").isEqualTo(30);
    }

}
