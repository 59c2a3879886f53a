package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import java.util.Objects;

/**
 * The payload of a {@code state_update} (spec §5): a non-empty {@code kind} and any JSON {@code data}
 * (a string when the envelope's {@code content_encoding} is {@code "toon"}).
 *
 * <p>Standard kinds are {@link #KIND_MINIMAL}, {@link #KIND_FULL} and {@link #KIND_DELTA}; application kinds
 * (for example {@code lri_envelope_v1}, {@code affect_log_v1}) are equally valid.
 *
 * @param kind {@code payload.kind}
 * @param data {@code payload.data}
 */
public record StateUpdatePayload(String kind, JsonElement data) {
    /** Standard kind. */
    public static final String KIND_MINIMAL = "minimal";
    /** Standard kind. */
    public static final String KIND_FULL = "full";
    /** Standard kind. */
    public static final String KIND_DELTA = "delta";

    /** Validates the components. */
    public StateUpdatePayload {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(data, "data");
        if (kind.isEmpty()) {
            throw new IllegalArgumentException("kind must not be empty");
        }
    }

    /**
     * Reads and validates the payload of a {@code state_update}.
     *
     * @throws LtpProtocolException {@code INVALID_STATE_UPDATE} with {@code details.field} and
     *     {@code details.expected} when {@code kind} or {@code data} is missing or ill-typed, or when TOON data is
     *     not a string (LTP-MSG-003, LTP-ENC-002)
     */
    public static StateUpdatePayload from(Envelope envelope) {
        JsonObject payload = envelope.payload();
        if (payload == null) {
            throw invalid("State update missing required field: payload", "payload", "object");
        }
        JsonElement kind = payload.get("kind");
        if (kind == null || kind.isJsonNull()) {
            throw invalid("State update missing required field: kind", "payload.kind", "non-empty string");
        }
        if (!(kind instanceof JsonPrimitive primitive && primitive.isString()) || kind.getAsString().isEmpty()) {
            throw invalid("State update field kind must be a non-empty string", "payload.kind", "non-empty string");
        }
        JsonElement data = payload.get("data");
        if (data == null) {
            throw invalid("State update missing required field: data", "payload.data", "any JSON value");
        }
        if (envelope.encoding() == ContentEncoding.TOON
                && !(data instanceof JsonPrimitive dataPrimitive && dataPrimitive.isString())) {
            throw invalid("TOON-encoded state update data must be a string", "payload.data", "TOON string");
        }
        return new StateUpdatePayload(kind.getAsString(), data);
    }

    /** The payload object {@code {"kind":..., "data":...}} (data not copied). */
    public JsonObject toJson() {
        JsonObject payload = new JsonObject();
        payload.addProperty("kind", kind);
        payload.add("data", data);
        return payload;
    }

    private static LtpProtocolException invalid(String message, String field, String expected) {
        return new LtpProtocolException(ErrorCode.INVALID_STATE_UPDATE, message,
                LtpProtocolException.newDetails().put("field", field).put("expected", expected).build());
    }
}
