package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.PeerExchangeConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CandidatePoolTest {
    private static final long S = 1_000_000_000L;
    private final CandidatePool pool = new CandidatePool(PeerExchangeConfig.defaults(), 1_000, new SplittableRandom(1), 1);

    @Test
    void oneSubnetHoldsAtMostItsCapWhateverTheSource() {
        int refused = 0;
        for (int i = 1; i <= 10; i++) {
            refused += pool.offer(addr("203.0.113." + i, 7000), "source-" + i, 0) ? 0 : 1;
        }
        for (int i = 1; i <= 10; i++) {
            refused += pool.offer(addr("2001:db8:1:" + i + "::1", 7000), "source-" + i, 0) ? 0 : 1; // one /48
        }
        refused += pool.offer(addr("2001:db8:2::1", 7000), "source-1", 0) ? 0 : 1; // another /48
        assertThat(pool.size()).isEqualTo(4 + 4 + 1);
        assertThat(refused).isEqualTo(12);
    }

    @Test
    void oneSourceHoldsAtMostItsCapButTheNodesOwnSightingsAreNotCapped() {
        for (int i = 0; i < 150; i++) {
            pool.offer(spread(i), "liar", 0);
        }
        assertThat(pool.heldFrom("liar")).isEqualTo(100);
        for (int i = 150; i < 300; i++) {
            pool.reached(spread(i), -1, 0);
        }
        assertThat(pool.heldFrom(CandidatePool.SELF)).isEqualTo(150);
    }

    @Test
    void aStrangersWordNeverPointsAtLowPortsWildcardsMulticastOrThisMachine() {
        assertThat(CandidatePool.dialable(addr("198.51.100.1", 7000), false)).isTrue();
        assertThat(CandidatePool.dialable(addr("198.51.100.1", 22), false)).isFalse();
        assertThat(CandidatePool.dialable(addr("0.0.0.0", 7000), false)).isFalse();
        assertThat(CandidatePool.dialable(addr("224.0.0.1", 7000), false)).isFalse();
        assertThat(CandidatePool.dialable(addr("127.0.0.1", 7000), false)).isFalse();
        assertThat(CandidatePool.dialable(addr("::1", 7000), false)).isFalse();
        assertThat(CandidatePool.dialable(addr("127.0.0.1", 7000), true)).isTrue();
    }

    @Test
    void theNumericCheckOfAnIpv4AddressAgreesWithTheAddressObjectsOwn() throws UnknownHostException {
        // Peer exchange checks IPv4 addresses as numbers; every boundary of dialable() must come out the same.
        int[] firstBytes = {0, 1, 9, 10, 126, 127, 128, 191, 192, 223, 224, 230, 239, 240, 255};
        int[] ports = {1, 80, 1023, 1024, 7000, 65535};
        SplittableRandom random = new SplittableRandom(7);
        for (int first : firstBytes) {
            for (int i = 0; i < 20; i++) {
                int ip = first << 24 | (i == 0 ? 0 : random.nextInt(1 << 24));
                byte[] b = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
                for (int port : ports) {
                    InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(b), port);
                    for (boolean loopbackSource : new boolean[] {false, true}) {
                        assertThat(CandidatePool.dialableV4(CandidatePool.v4Bits(ip, port), loopbackSource))
                                .as("%s from loopback %s", a, loopbackSource)
                                .isEqualTo(CandidatePool.dialable(a, loopbackSource));
                    }
                }
            }
        }
    }

    @Test
    void anIpv4AddressOfferedAsNumbersIsTheSameRecordAsTheAddress() {
        InetSocketAddress a = addr("198.51.100.9", 7001);
        assertThat(pool.offerHeardV4(CandidatePool.v4Bits(0xC6336409, 7001), "neighbour", 0, 2, false)).isTrue();
        assertThat(pool.contains(a)).isTrue();
        assertThat(pool.primaryOf(a)).isEqualTo(2);
        assertThat(pool.offerHeard(a, "neighbour", 0, -1, false)).isTrue();
        assertThat(pool.size()).isEqualTo(1);
    }

    @Test
    void aPeerExchangeTellsThePeersFirstThenASampleNoAddressTwiceNoSubnetPastItsCap() {
        InetSocketAddress notHeld = addr("192.0.2.1", 7000); // a peer the pool has no record of
        InetSocketAddress peer = addr("198.51.100.1", 7000);
        pool.reached(peer, 3, 100 * S);
        for (int i = 2; i <= 7; i++) { // six reached in one /24: the cap of four leaves room for three more
            pool.reached(addr("198.51.100." + i, 7000), -1, 100 * S);
        }
        pool.reached(addr("203.0.113.5", 7000), 1, 100 * S);
        List<InetSocketAddress> told = new ArrayList<>();
        List<Integer> primaries = new ArrayList<>();
        pool.chooseForExchange(List.of(notHeld, peer, peer), addr("203.0.113.5", 7000), 50, 110 * S,
                new Recorder(told, primaries));
        assertThat(told).hasSize(5).doesNotHaveDuplicates().doesNotContain(addr("203.0.113.5", 7000));
        assertThat(told.subList(0, 2)).containsExactly(notHeld, peer);
        assertThat(primaries.subList(0, 2)).containsExactly(-1, 3);
        assertThat(told.subList(2, 5)).allMatch(a -> a.getHostString().startsWith("198.51.100."));

        List<InetSocketAddress> few = new ArrayList<>();
        pool.chooseForExchange(List.of(notHeld, peer), null, 3, 110 * S, new Recorder(few, new ArrayList<>()));
        assertThat(few).hasSize(3);

        InetSocketAddress v6 = addr("2001:db8::7", 7000);
        pool.reached(v6, 2, 100 * S);
        List<InetSocketAddress> withV6 = new ArrayList<>();
        List<Integer> v6Primaries = new ArrayList<>();
        pool.chooseForExchange(List.of(v6), null, 1, 110 * S, new Recorder(withV6, v6Primaries));
        assertThat(withV6).containsExactly(v6);
        assertThat(v6Primaries).containsExactly(2);
    }

    @Test
    void eachPeerExchangeStartsAfresh() {
        for (int i = 1; i <= 4; i++) { // a /24 at its cap of four
            pool.reached(addr("198.51.100." + i, 7000), -1, 100 * S);
        }
        InetSocketAddress recipient = addr("198.51.100.1", 7000);
        // What one exchange took counts against no subnet's cap, and is not told again, in the next.
        for (InetSocketAddress exclude : new InetSocketAddress[] {null, recipient, null}) {
            List<InetSocketAddress> told = new ArrayList<>();
            pool.chooseForExchange(List.of(), exclude, 50, 110 * S, new Recorder(told, new ArrayList<>()));
            assertThat(told).as("excluding %s", exclude).hasSize(exclude == null ? 4 : 3).doesNotHaveDuplicates();
            if (exclude != null) {
                assertThat(told).doesNotContain(exclude);
            }
        }
    }

    /** Records what a peer exchange would tell, IPv4 and IPv6 alike. */
    private record Recorder(List<InetSocketAddress> told, List<Integer> primaries)
            implements CandidatePool.ExchangeSink {
        @Override
        public void addV4(int ip, int port, int primary) {
            try {
                add(new InetSocketAddress(InetAddress.getByAddress(
                        new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip}), port),
                        primary);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void add(InetSocketAddress a, int primary) {
            told.add(a);
            primaries.add(primary);
        }
    }

    @Test
    void dialsSpreadOverSourcesNotOverAddresses() {
        // One source offers 100 addresses, three others one each. Picking by address, the big source would get
        // 100/103 of the dials; picking a source first, it gets about a quarter.
        int bigSourceDials = 0;
        int dials = 0;
        for (long seed = 0; seed < 200; seed++) {
            CandidatePool p = new CandidatePool(PeerExchangeConfig.defaults(), 1_000, new SplittableRandom(seed), seed);
            for (int i = 0; i < 100; i++) {
                p.offer(spread(i), "big", 0);
            }
            for (int i = 0; i < 3; i++) {
                p.offer(spread(1_000 + i), "small-" + i, 0);
            }
            InetSocketAddress first = p.pickToDial(1, 0, S, a -> false, p.newSubnetCounts(), new int[0]).get(0);
            dials++;
            if (first.getAddress().getAddress()[1] != (byte) (1_000 >>> 8)) {
                bigSourceDials++;
            }
        }
        assertThat((double) bigSourceDials / dials).isBetween(0.15, 0.35);
    }

    @Test
    void dialsKeepOutboundConnectionsPerSubnetWithinTheCapAndHonourHoldOffs() {
        CandidatePool loose = new CandidatePool(PeerExchangeConfig.builder().maxPerSubnet(2).build(), 1_000,
                new SplittableRandom(3), 3);
        for (int i = 1; i <= 2; i++) {
            loose.offer(addr("203.0.113." + i, 7000), "a", 0);
            loose.offer(addr("198.51.100." + i, 7000), "b", 0);
        }
        var outbound = loose.newSubnetCounts();
        outbound.add(CandidatePool.subnetOf(addr("203.0.113.99", 1).getAddress()), 1);
        List<InetSocketAddress> picked = loose.pickToDial(10, 0, 10 * S, a -> false, outbound, new int[0]);
        assertThat(picked).hasSize(3); // one more in 203.0.113/24 (it had one), both in 198.51.100/24
        assertThat(picked.stream().filter(a -> a.getHostString().startsWith("203.")).count()).isEqualTo(1);
        // The three dialled are held off until 10 s: before, only the one left out can be dialled; after, they are.
        List<InetSocketAddress> later = loose.pickToDial(10, 9 * S, 20 * S, a -> false, loose.newSubnetCounts(), new int[0]);
        assertThat(later).hasSize(1).doesNotContainAnyElementsOf(picked);
        assertThat(loose.pickToDial(10, 10 * S, 20 * S, a -> false, loose.newSubnetCounts(), new int[0]))
                .containsExactlyInAnyOrderElementsOf(picked);
    }

    @Test
    void onlyAddressesReachedRecentlyArePassedOnNeverHearsay() {
        pool.offer(addr("198.51.100.1", 7000), "someone", 0); // hearsay
        pool.reached(addr("198.51.100.2", 7000), -1, 0);
        pool.reached(addr("198.51.100.3", 7000), -1, 100 * S);
        pool.reached(addr("198.51.100.4", 7000), -1, 100 * S);
        List<InetSocketAddress> chosen = new ArrayList<>();
        pool.chooseForExchange(List.of(), addr("198.51.100.4", 7000), 50, 130 * S,
                new Recorder(chosen, new ArrayList<>()));
        // .2 was reached 130 s ago (more than recentMs = 120 s); .4 is the peer being told.
        assertThat(chosen).containsExactly(addr("198.51.100.3", 7000));
    }

    @Test
    void aFullPoolForgetsItsOldestAddress() {
        CandidatePool small = new CandidatePool(PeerExchangeConfig.defaults(), 3, new SplittableRandom(1), 1);
        for (int i = 0; i < 4; i++) {
            small.offer(spread(i), "s", i);
        }
        assertThat(small.size()).isEqualTo(3);
        assertThat(small.contains(spread(0))).isFalse();
        assertThat(small.contains(spread(3))).isTrue();
        assertThat(small.heldFrom("s")).isEqualTo(3);
    }

    /** An address in its own /24 for each i. */
    private static InetSocketAddress spread(int i) {
        return addr("100." + (i >>> 8) + "." + (i & 0xFF) + ".1", 7000);
    }

    @Test
    void whatAnAddressSaidOfItsTreeOutweighsHearsay() {
        InetSocketAddress heard = addr("198.51.100.9", 7000);
        InetSocketAddress met = addr("198.51.101.9", 7000);
        pool.offerHeard(heard, "neighbour", 0, 2, false);
        pool.reached(met, 1, 0);
        pool.offerHeard(met, "liar", 0, 3, false); // a liar's word on a peer this node has met itself
        assertThat(pool.primaryOf(heard)).isEqualTo(2);
        assertThat(pool.primaryOf(met)).isEqualTo(1);
        assertThat(pool.primaryOf(addr("198.51.102.9", 7000))).isEqualTo(-1);
    }

    private static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
