package dev.starling.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/** A minimal JSON object writer for command output: one flat object, keys in insertion order. */
public final class Json {
    private final Map<String, String> fields = new LinkedHashMap<>();

    private Json() {
    }

    /** @return an empty object */
    public static Json object() {
        return new Json();
    }

    /** Adds a string field. */
    public Json put(String key, String value) {
        fields.put(key, value == null ? "null" : quote(value));
        return this;
    }

    /** Adds an integer field. */
    public Json put(String key, long value) {
        fields.put(key, Long.toString(value));
        return this;
    }

    /** Adds a number field (NaN and infinities become null). */
    public Json put(String key, double value) {
        fields.put(key, Double.isFinite(value) ? stripZeros(String.format(java.util.Locale.ROOT, "%.6f", value)) : "null");
        return this;
    }

    /** Adds a boolean field. */
    public Json put(String key, boolean value) {
        fields.put(key, Boolean.toString(value));
        return this;
    }

    /** @return a number field as a long (0 if absent or null) */
    public long getLong(String key) {
        String v = fields.get(key);
        return v == null || v.equals("null") ? 0 : (long) Double.parseDouble(v);
    }

    /** @return a number field as a double (NaN if absent or null) */
    public double getDouble(String key) {
        String v = fields.get(key);
        return v == null || v.equals("null") ? Double.NaN : Double.parseDouble(v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(quote(e.getKey())).append(':').append(e.getValue());
        }
        return sb.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String stripZeros(String s) {
        if (!s.contains(".")) {
            return s;
        }
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
