package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers shared by the message records' compact constructors. */
final class Records {
    private Records() {
    }

    /** An unmodifiable copy of the extra fields that keeps their order; {@code null} reads as none. */
    static Map<String, JsonElement> freeze(Map<String, JsonElement> extraFields) {
        if (extraFields == null || extraFields.isEmpty()) {
            return Map.of();
        }
        if (extraFields.getClass() == UNMODIFIABLE_MAP_CLASS) {
            return extraFields;
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(extraFields));
    }

    /** An unmodifiable copy, or {@code null} when absent. */
    static List<String> freezeList(List<String> values) {
        return values == null ? null : List.copyOf(values);
    }

    /** A deep copy of a JSON object, or {@code null}. */
    static JsonObject copy(JsonObject object) {
        return object == null ? null : object.deepCopy();
    }

    private static final Class<?> UNMODIFIABLE_MAP_CLASS =
            Collections.unmodifiableMap(new LinkedHashMap<>()).getClass();
}
