package dev.starling.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** {@link LongMap} answers every lookup as a {@link HashMap} given the same puts and removes would. */
class LongMapProperties {

    @Property(tries = 300)
    void behavesLikeAHashMap(@ForAll @Size(max = 400) List<@LongRange(min = -40, max = 200) Long> ops) {
        LongMap<String> map = new LongMap<>();
        Map<Long, String> reference = new HashMap<>();
        for (int step = 0; step < ops.size(); step++) {
            long k = ops.get(step);
            if (k % 3 == 0) { // a third of the operations remove: probe runs get holes to close
                assertThat(map.remove(k)).isEqualTo(reference.remove(k));
            } else {
                String v = "v" + step;
                assertThat(map.put(k, v)).isEqualTo(reference.put(k, v));
            }
            assertThat(map.size()).isEqualTo(reference.size());
        }
        for (long k = -41; k <= 201; k++) {
            assertThat(map.get(k)).as("key %d", k).isEqualTo(reference.get(k));
        }
    }
}
