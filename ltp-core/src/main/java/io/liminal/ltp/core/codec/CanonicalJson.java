package io.liminal.ltp.core.codec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.internal.json.EcmaNumbers;
import io.liminal.ltp.core.internal.json.JsonText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON as §11.3 defines it for signatures: what JavaScript's {@code JSON.stringify} prints for an object
 * whose keys were sorted recursively.
 *
 * <ol>
 *   <li>Object members by key in UTF-16 code-unit order, except that canonical array-index keys
 *       ({@code "0"} ... {@code "4294967294"}, no leading zeros) come first in numeric order. Arrays keep their
 *       order.</li>
 *   <li>No whitespace.</li>
 *   <li>Strings escaped minimally, lone surrogates as {@code &#92;udxxx}, no HTML escaping.</li>
 *   <li>Numbers as ECMAScript prints them ({@code 1.0} becomes {@code 1}).</li>
 * </ol>
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    /** The canonical text of {@code value}. */
    public static String write(JsonElement value) {
        StringBuilder out = new StringBuilder(256);
        write(out, value);
        return out.toString();
    }

    /** Appends the canonical text of {@code value}. */
    public static void write(StringBuilder out, JsonElement value) {
        write(out, value, 0);
    }

    private static void write(StringBuilder out, JsonElement value, int depth) {
        if (value == null || value.isJsonNull()) {
            out.append("null");
        } else if (value instanceof JsonPrimitive primitive) {
            if (primitive.isString()) {
                JsonText.string(out, primitive.getAsString());
            } else if (primitive.isBoolean()) {
                out.append(primitive.getAsBoolean());
            } else {
                out.append(EcmaNumbers.format(primitive.getAsDouble()));
            }
        } else if (depth >= 512) {
            throw new IllegalArgumentException("JSON nesting deeper than 512 cannot be canonicalized");
        } else if (value instanceof JsonObject object) {
            List<Map.Entry<String, JsonElement>> members = new ArrayList<>(object.entrySet());
            members.sort((a, b) -> compareKeys(a.getKey(), b.getKey()));
            out.append('{');
            for (int i = 0; i < members.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                JsonText.string(out, members.get(i).getKey());
                out.append(':');
                write(out, members.get(i).getValue(), depth + 1);
            }
            out.append('}');
        } else {
            JsonArray array = (JsonArray) value;
            out.append('[');
            for (int i = 0; i < array.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(out, array.get(i), depth + 1);
            }
            out.append(']');
        }
    }

    /** JavaScript's own-property order: array indices numerically first, then the rest by code units. */
    static int compareKeys(String a, String b) {
        long indexA = arrayIndex(a);
        long indexB = arrayIndex(b);
        if (indexA >= 0 && indexB >= 0) {
            return Long.compare(indexA, indexB);
        }
        if (indexA >= 0) {
            return -1;
        }
        if (indexB >= 0) {
            return 1;
        }
        return a.compareTo(b);
    }

    /** The value of a canonical array-index key (0 ... 2^32 - 2), or -1. */
    static long arrayIndex(String key) {
        int length = key.length();
        if (length == 0 || length > 10 || (length > 1 && key.charAt(0) == '0')) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < length; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 4294967294L ? value : -1;
    }
}
