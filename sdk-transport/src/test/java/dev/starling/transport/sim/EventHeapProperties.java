package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link EventHeap} hands events out in (time, sequence) order, however adds and polls interleave. */
class EventHeapProperties {

    @Property(tries = 500)
    void pollsInTimeThenSequenceOrder(@ForAll @Size(max = 600) List<@IntRange(min = -1, max = 50) Integer> ops) {
        EventHeap heap = new EventHeap();
        List<SimNetwork.Event> reference = new ArrayList<>();
        Comparator<SimNetwork.Event> order = Comparator.<SimNetwork.Event>comparingLong(e -> e.atNs)
                .thenComparingLong(e -> e.seq);
        long seq = 0;
        for (int op : ops) {
            if (op < 0) { // -1 polls: the earliest event leaves, as from a sorted list
                reference.sort(order);
                SimNetwork.Event expected = reference.isEmpty() ? null : reference.remove(0);
                assertThat(heap.poll()).isSameAs(expected);
            } else { // times repeat often (0..50), so ties go by sequence, which is unique but not in adding order
                SimNetwork.Event e = new SimNetwork.Event(op, Long.reverse(seq++) >>> 1, () -> { });
                heap.add(e);
                reference.add(e);
            }
            assertThat(heap.size()).isEqualTo(reference.size());
        }
        reference.sort(order);
        for (SimNetwork.Event e : reference) {
            assertThat(heap.peekTime()).isEqualTo(e.atNs);
            assertThat(heap.poll()).isSameAs(e);
        }
        assertThat(heap.poll()).isNull();
    }
}
