package io.liminal.ltp.core.message;

/**
 * How {@code payload.data} is to be read (spec §9). An absent {@code content_encoding} means {@link #JSON}.
 */
public enum ContentEncoding {
    /** {@code data} is any JSON value. */
    JSON("json"),
    /** {@code data} is a TOON string; LTP never parses it. Not sent on {@code "0.2"} sessions. */
    TOON("toon");

    private final String wireName;

    ContentEncoding(String wireName) {
        this.wireName = wireName;
    }

    /** The value of the {@code content_encoding} field. */
    public String wireName() {
        return wireName;
    }

    /** The encoding for a wire value, {@link #JSON} for {@code null}, or {@code null} for an unknown value. */
    public static ContentEncoding fromWire(String value) {
        if (value == null || "json".equals(value)) {
            return JSON;
        }
        return "toon".equals(value) ? TOON : null;
    }
}
