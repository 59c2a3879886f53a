package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The envelope's {@code meta} object: cross-cutting metadata (client id, tracing, affect, context tag).
 *
 * <p>A view over the JSON object as received, so every member, known or not, is carried unchanged when relayed
 * (LTP-ENV-004). LTP never interprets or validates {@code affect} and {@code context_tag} (LTP-ENV-003): the typed
 * getters simply return nothing when a member has an unexpected shape, and the raw value stays available.
 */
public final class Meta {
    /** Member names of spec §4. */
    public static final String CLIENT_ID = "client_id";
    /** {@code trace_id}. */
    public static final String TRACE_ID = "trace_id";
    /** {@code parent_span_id}. */
    public static final String PARENT_SPAN_ID = "parent_span_id";
    /** {@code user_agent}. */
    public static final String USER_AGENT = "user_agent";
    /** {@code affect}. */
    public static final String AFFECT = "affect";
    /** {@code context_tag}. */
    public static final String CONTEXT_TAG = "context_tag";

    private final JsonObject json;

    private Meta(JsonObject json) {
        this.json = json;
    }

    /**
     * Wraps a decoded {@code meta} object without copying it; the meta owns it from now on.
     */
    public static Meta wrap(JsonObject json) {
        return new Meta(Objects.requireNonNull(json, "json"));
    }

    /** A copy of {@code json} as meta. */
    public static Meta copyOf(JsonObject json) {
        return new Meta(json.deepCopy());
    }

    /** An empty {@code meta} object ({@code {}}), as servers put on pongs. */
    public static Meta empty() {
        return new Meta(new JsonObject());
    }

    /** A builder for a new meta object. */
    public static Builder builder() {
        return new Builder(new JsonObject());
    }

    /** A builder starting from this meta's members. */
    public Builder toBuilder() {
        return new Builder(json.deepCopy());
    }

    /**
     * This meta laid over {@code defaults}: every member of {@code defaults} this meta does not have is added.
     * Returns {@code this} when there is nothing to add.
     */
    public Meta withDefaults(Meta defaults) {
        if (defaults == null || defaults.json.size() == 0) {
            return this;
        }
        JsonObject merged = null;
        for (Map.Entry<String, JsonElement> entry : defaults.json.entrySet()) {
            if (!json.has(entry.getKey())) {
                if (merged == null) {
                    merged = json.deepCopy();
                }
                merged.add(entry.getKey(), entry.getValue().deepCopy());
            }
        }
        return merged == null ? this : new Meta(merged);
    }

    /** {@code client_id}, or {@code null} when absent or not a string. */
    public String clientId() {
        return string(CLIENT_ID);
    }

    /** {@code trace_id}, or {@code null}. */
    public String traceId() {
        return string(TRACE_ID);
    }

    /** {@code parent_span_id}, or {@code null}. */
    public String parentSpanId() {
        return string(PARENT_SPAN_ID);
    }

    /** {@code user_agent}, or {@code null}. */
    public String userAgent() {
        return string(USER_AGENT);
    }

    /** {@code context_tag} when it is a string. */
    public Optional<String> contextTag() {
        return Optional.ofNullable(string(CONTEXT_TAG));
    }

    /**
     * {@code affect} read as numbers when it is an object; a member that is missing or not a number reads as NaN.
     * Empty when {@code affect} is absent or not an object.
     */
    public Optional<Affect> affect() {
        JsonElement affect = json.get(AFFECT);
        if (affect == null || !affect.isJsonObject()) {
            return Optional.empty();
        }
        JsonObject object = affect.getAsJsonObject();
        return Optional.of(new Affect(number(object.get("valence")), number(object.get("arousal"))));
    }

    /** Any member as received, or {@code null}; a JSON {@code null} reads as absent. */
    public JsonElement get(String name) {
        JsonElement value = json.get(name);
        return value == null || value.isJsonNull() ? null : value;
    }

    /** Whether the object has no members. */
    public boolean isEmpty() {
        return json.size() == 0;
    }

    /** The underlying JSON object. Owned by this meta: do not modify (see the package documentation). */
    public JsonObject json() {
        return json;
    }

    private String string(String name) {
        JsonElement value = json.get(name);
        if (value instanceof JsonPrimitive primitive && primitive.isString()) {
            return primitive.getAsString();
        }
        return null;
    }

    private static double number(JsonElement value) {
        if (value instanceof JsonPrimitive primitive && primitive.isNumber()) {
            return primitive.getAsDouble();
        }
        return Double.NaN;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Meta meta && json.equals(meta.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return "Meta" + json;
    }

    /** Builds a {@link Meta}; every setter replaces the member of the same name. */
    public static final class Builder {
        private final JsonObject json;

        private Builder(JsonObject json) {
            this.json = json;
        }

        /** Sets {@code client_id}. */
        public Builder clientId(String clientId) {
            return putString(CLIENT_ID, clientId);
        }

        /** Sets {@code trace_id}. */
        public Builder traceId(String traceId) {
            return putString(TRACE_ID, traceId);
        }

        /** Sets {@code parent_span_id}. */
        public Builder parentSpanId(String parentSpanId) {
            return putString(PARENT_SPAN_ID, parentSpanId);
        }

        /** Sets {@code user_agent}. */
        public Builder userAgent(String userAgent) {
            return putString(USER_AGENT, userAgent);
        }

        /** Sets {@code context_tag}. */
        public Builder contextTag(String contextTag) {
            return putString(CONTEXT_TAG, contextTag);
        }

        /** Sets {@code affect} to {@code {"valence":v,"arousal":a}}; values are not range-checked. */
        public Builder affect(double valence, double arousal) {
            JsonObject affect = new JsonObject();
            affect.addProperty("valence", valence);
            affect.addProperty("arousal", arousal);
            json.add(AFFECT, affect);
            return this;
        }

        /** Sets {@code affect} to any JSON value (copied). */
        public Builder affect(JsonElement affect) {
            return put(AFFECT, affect);
        }

        /** Sets any member (the value is copied); {@code null} removes it. */
        public Builder put(String name, JsonElement value) {
            Objects.requireNonNull(name, "name");
            if (value == null) {
                json.remove(name);
            } else {
                json.add(name, value.deepCopy());
            }
            return this;
        }

        private Builder putString(String name, String value) {
            if (value == null) {
                json.remove(name);
            } else {
                json.addProperty(name, value);
            }
            return this;
        }

        /** The meta. The builder must not be used afterwards. */
        public Meta build() {
            return new Meta(json);
        }
    }
}
