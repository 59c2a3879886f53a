package io.liminal.ltp.core.codec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.toonformat.jtoon.JToon;
import io.liminal.ltp.core.internal.json.JsonText;
import java.util.Objects;

/**
 * TOON (Token-Oriented Object Notation) helpers for {@code content_encoding: "toon"} payloads (spec §9), built on
 * the official Java implementation ({@code dev.toonformat:jtoon}).
 *
 * <p>LTP itself never parses TOON: a TOON {@code payload.data} is a string that is passed on unparsed
 * (LTP-ENC-002). These helpers are for applications that produce or consume it, typically tabular arrays of
 * same-keyed objects such as affect logs:
 * <pre>{@code
 * affect_log[3]{t,valence,arousal}:
 *   1,0.2,-0.1
 *   2,0.3,-0.2
 *   3,0.1,0.0
 * }</pre>
 *
 * <p>JToon is an optional dependency of ltp-core (it brings Jackson beside Gson): add {@code dev.toonformat:jtoon}
 * to use these helpers. ltp-server depends on it. Without it every method throws {@link IllegalStateException}
 * saying so.
 */
public final class Toon {
    private static final boolean AVAILABLE = jtoonPresent();

    private Toon() {
    }

    private static boolean jtoonPresent() {
        try {
            Class.forName("dev.toonformat.jtoon.JToon", false, Toon.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static void requireJToon() {
        if (!AVAILABLE) {
            throw new IllegalStateException("TOON support needs dev.toonformat:jtoon on the class path, an optional "
                    + "dependency of ltp-core: add it to your build");
        }
    }

    /** Encodes any JSON value as TOON text. */
    public static String encode(JsonElement value) {
        Objects.requireNonNull(value, "value");
        requireJToon();
        StringBuilder json = new StringBuilder();
        JsonText.value(json, value);
        try {
            return JToon.encodeJson(json.toString());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Value cannot be encoded as TOON: " + e.getMessage(), e);
        }
    }

    /**
     * Encodes rows as a named tabular array, {@code name[N]{f1,f2,...}:} followed by one indented line per row.
     * Rows should be objects with the same keys (otherwise TOON falls back to its list form).
     */
    public static String encodeTable(String name, JsonArray rows) {
        Objects.requireNonNull(name, "name");
        JsonObject wrapper = new JsonObject();
        wrapper.add(name, Objects.requireNonNull(rows, "rows"));
        return encode(wrapper);
    }

    /**
     * Decodes TOON text into a JSON tree.
     *
     * @throws IllegalArgumentException when the text is not valid TOON (for example a row count that does not
     *     match its header)
     * @throws IllegalStateException when JToon is not on the class path
     */
    public static JsonElement decode(String toon) {
        Objects.requireNonNull(toon, "toon");
        requireJToon();
        try {
            return JsonParser.parseString(JToon.decodeToJson(toon));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid TOON: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes a named tabular array such as {@code affect_log[3]{...}:} and returns its rows.
     *
     * @throws IllegalArgumentException when the text is not valid TOON or holds no array named {@code name}
     */
    public static JsonArray decodeTable(String toon, String name) {
        JsonElement decoded = decode(toon);
        if (decoded.isJsonObject() && decoded.getAsJsonObject().get(name) instanceof JsonArray rows) {
            return rows;
        }
        throw new IllegalArgumentException("TOON text holds no array named '" + name + "'");
    }
}
