package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesFieldsInOrderWithTheirTypes() {
        String json = Json.object().put("k", "v").put("n", 1.5).put("b", true).put("i", 42).put("l", -7L)
                .put("f", false).toString();
        assertThat(json).isEqualTo("{\"k\":\"v\",\"n\":1.5,\"b\":true,\"i\":42,\"l\":-7,\"f\":false}");
    }

    @Test
    void emptyObject() {
        assertThat(Json.object().toString()).isEqualTo("{}");
    }

    @Test
    void escapesStringsAndKeys() {
        String nasty = "quote\" back\\ nl\n cr\r tab\t bell\u0007 nul\u0000 unit\u001f slash/ é 中 😀";
        String json = Json.object().put("we\"ird\nkey", nasty).toString();
        assertThat(json).doesNotContain("\n").doesNotContain("\u0000").doesNotContain("\u0007");
        Map<String, Object> back = FlatJson.parse(json);
        assertThat(back).containsOnlyKeys("we\"ird\nkey");
        assertThat(back.get("we\"ird\nkey")).isEqualTo(nasty);
    }

    @Test
    void nullStringIsJsonNull() {
        assertThat(Json.object().put("s", (String) null).toString()).isEqualTo("{\"s\":null}");
    }

    @Test
    void doublesHaveAtMostSixDecimalsAndNoTrailingZeros() {
        assertThat(Json.object().put("x", 2.0).toString()).isEqualTo("{\"x\":2}");
        assertThat(Json.object().put("x", 0.1).toString()).isEqualTo("{\"x\":0.1}");
        assertThat(Json.object().put("x", 1.0 / 3).toString()).isEqualTo("{\"x\":0.333333}");
        assertThat(Json.object().put("x", 2.0 / 3).toString()).isEqualTo("{\"x\":0.666667}");
        assertThat(Json.object().put("x", -1234567.125).toString()).isEqualTo("{\"x\":-1234567.125}");
        assertThat(Json.object().put("x", 1e-9).toString()).isIn("{\"x\":0}", "{\"x\":-0}");
        // Always a valid JSON number whatever the default locale (no decimal comma).
        assertThat(FlatJson.parse(Json.object().put("x", 12345.678901).toString()).get("x")).isEqualTo(12345.678901);
    }

    @Test
    void nanAndInfinitiesAreNull() {
        assertThat(Json.object().put("a", Double.NaN).put("b", Double.POSITIVE_INFINITY)
                .put("c", Double.NEGATIVE_INFINITY).toString()).isEqualTo("{\"a\":null,\"b\":null,\"c\":null}");
    }

    @Test
    void longsAreWrittenExactly() {
        assertThat(Json.object().put("max", Long.MAX_VALUE).put("min", Long.MIN_VALUE).toString())
                .isEqualTo("{\"max\":9223372036854775807,\"min\":-9223372036854775808}");
    }
}
