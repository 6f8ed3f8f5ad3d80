package dev.starling.transport.udp;

/**
 * What a {@link UdpTransport} has done so far, summed over all its links. Immutable snapshot.
 *
 * @param datagramsSent                  datagrams written to the socket (not counting injected loss)
 * @param datagramsReceived              datagrams read from the socket
 * @param bytesSent                      their bytes
 * @param bytesReceived                  their bytes
 * @param dataPacketsSent                DATA datagrams sent, retransmissions and keep-alives included
 * @param retransmissions                fragments sent again after their datagram was declared lost
 * @param retransmissionsAfterDeadline   of those, how many went out after their frame's deadline: the transport's
 *                                       promise is that this stays 0
 * @param framesAbandoned                frames given up because their deadline passed before they were delivered
 * @param packetsLost                    DATA datagrams declared lost (by later acknowledgements)
 * @param probeTimeouts                  times nothing was acknowledged for a retransmission timeout and a probe went out
 * @param unverifiedBytesReceived        bytes from addresses that had not proven they receive there
 * @param unverifiedBytesSent            bytes sent to such addresses: never more than were received from them
 * @param datagramsIgnored               datagrams dropped unanswered: malformed, for no link, or from a stranger
 * @param datagramsDroppedByInjectedLoss outgoing datagrams dropped on purpose ({@link UdpConfig#injectedLossRate()})
 */
public record UdpStats(long datagramsSent, long datagramsReceived, long bytesSent, long bytesReceived,
                       long dataPacketsSent, long retransmissions, long retransmissionsAfterDeadline,
                       long framesAbandoned, long packetsLost, long probeTimeouts, long unverifiedBytesReceived, long unverifiedBytesSent,
                       long datagramsIgnored, long datagramsDroppedByInjectedLoss) {

    /** @return the sum of this and {@code o}, field by field */
    public UdpStats plus(UdpStats o) {
        return new UdpStats(datagramsSent + o.datagramsSent, datagramsReceived + o.datagramsReceived,
                bytesSent + o.bytesSent, bytesReceived + o.bytesReceived, dataPacketsSent + o.dataPacketsSent,
                retransmissions + o.retransmissions, retransmissionsAfterDeadline + o.retransmissionsAfterDeadline,
                framesAbandoned + o.framesAbandoned, packetsLost + o.packetsLost, probeTimeouts + o.probeTimeouts,
                unverifiedBytesReceived + o.unverifiedBytesReceived, unverifiedBytesSent + o.unverifiedBytesSent,
                datagramsIgnored + o.datagramsIgnored, datagramsDroppedByInjectedLoss + o.datagramsDroppedByInjectedLoss);
    }

    /** Mutable counters behind the snapshot, confined to one transport's loop. */
    static final class Counters {
        long datagramsSent;
        long datagramsReceived;
        long bytesSent;
        long bytesReceived;
        long dataPacketsSent;
        long retransmissions;
        long retransmissionsAfterDeadline;
        long framesAbandoned;
        long packetsLost;
        long probeTimeouts;
        long unverifiedBytesReceived;
        long unverifiedBytesSent;
        long datagramsIgnored;
        long datagramsDroppedByInjectedLoss;
        /** Bytes of incomplete frames held by all links: bounded by {@link UdpConfig#maxReassemblyBytesTotal()}. */
        long reassemblyBytes;

        UdpStats snapshot() {
            return new UdpStats(datagramsSent, datagramsReceived, bytesSent, bytesReceived, dataPacketsSent,
                    retransmissions, retransmissionsAfterDeadline, framesAbandoned, packetsLost, probeTimeouts,
                    unverifiedBytesReceived, unverifiedBytesSent, datagramsIgnored, datagramsDroppedByInjectedLoss);
        }
    }
}
