package dev.starling.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** {@link LongCounts} counts as a {@code HashMap<Long, Integer>} that drops keys at zero would. */
class LongCountsProperties {

    @Property(tries = 300)
    void countsLikeAHashMap(@ForAll @Size(max = 400) List<@LongRange(min = -40, max = 200) Long> keys,
                            @ForAll @Size(max = 400) List<@IntRange(min = -3, max = 3) Integer> deltas,
                            @ForAll long seed, @ForAll @IntRange(min = 0, max = 100) int sizedFor) {
        LongCounts counts = new LongCounts(seed, sizedFor);
        Map<Long, Integer> reference = new HashMap<>();
        for (int step = 0; step < Math.min(keys.size(), deltas.size()); step++) {
            long k = keys.get(step);
            int d = deltas.get(step);
            int expected = Math.max(0, reference.getOrDefault(k, 0) + d);
            if (expected == 0) {
                reference.remove(k);
            } else {
                reference.put(k, expected);
            }
            assertThat(counts.add(k, d)).isEqualTo(expected);
            assertThat(counts.size()).isEqualTo(reference.size());
        }
        for (long k = -41; k <= 201; k++) {
            assertThat(counts.get(k)).as("key %d", k).isEqualTo(reference.getOrDefault(k, 0));
        }
    }
}
