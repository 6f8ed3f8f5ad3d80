package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.PeerExchangeConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link CandidatePool} keeps what a plain insertion-ordered map with the same caps would: the same addresses,
 * the oldest forgotten first, the same counts per source. Addresses are few (so offers repeat and subnets fill),
 * IPv4 and IPv6 mixed, and a third of the operations remove, so the index's probe runs get holes to close.
 */
class CandidatePoolProperties {

    @Property(tries = 200)
    void holdsWhatAnOrderedMapWithTheSameCapsWould(
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 119) Integer> addressIds,
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 5) Integer> ops, @ForAll long seed) {
        PeerExchangeConfig cfg = PeerExchangeConfig.builder().maxPerSubnet(2).maxPerSource(12).build();
        int capacity = 24;
        CandidatePool pool = new CandidatePool(cfg, capacity, new SplittableRandom(seed), seed);
        Map<InetSocketAddress, Object> reference = new LinkedHashMap<>();
        for (int step = 0; step < Math.min(addressIds.size(), ops.size()); step++) {
            InetSocketAddress a = address(addressIds.get(step));
            int op = ops.get(step);
            if (op < 2) {
                pool.remove(a);
                reference.remove(a);
            } else {
                Object source = op == 5 ? CandidatePool.SELF : "source-" + op;
                boolean held = pool.offer(a, source, step);
                assertThat(held).as("offer %s from %s", a, source).isEqualTo(referenceOffer(reference, a, source, cfg, capacity));
            }
            assertThat(pool.size()).isEqualTo(reference.size());
        }
        for (int id = 0; id < 120; id++) {
            InetSocketAddress a = address(id);
            assertThat(pool.contains(a)).as("%s", a).isEqualTo(reference.containsKey(a));
        }
        for (Object source : List.of("source-2", "source-3", "source-4", CandidatePool.SELF)) {
            long expected = reference.values().stream().filter(source::equals).count();
            assertThat(pool.heldFrom(source)).isEqualTo(expected);
        }
    }

    private static boolean referenceOffer(Map<InetSocketAddress, Object> held, InetSocketAddress a, Object source,
                                          PeerExchangeConfig cfg, int capacity) {
        if (held.containsKey(a)) {
            return true;
        }
        long subnet = CandidatePool.subnetOf(a.getAddress());
        long inSubnet = held.keySet().stream().filter(b -> CandidatePool.subnetOf(b.getAddress()) == subnet).count();
        long fromSource = held.values().stream().filter(source::equals).count();
        if (inSubnet >= cfg.maxPerSubnet() || (source != CandidatePool.SELF && fromSource >= cfg.maxPerSource())) {
            return false;
        }
        if (held.size() >= capacity) {
            held.remove(held.keySet().iterator().next());
        }
        held.put(a, source);
        return true;
    }

    /** 120 addresses: IPv4 and IPv6, three to a subnet, two ports each. */
    private static InetSocketAddress address(int id) {
        int subnet = id / 6;
        int host = id % 3;
        int port = 7000 + (id / 3) % 2;
        String ip = subnet % 2 == 0 ? "10.0." + subnet + "." + (host + 1) : "2001:db8:" + subnet + "::" + (host + 1);
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
