package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import java.util.Objects;

/**
 * The payload of an {@code event} (spec §5): a non-empty {@code event_type} and any JSON {@code data}.
 *
 * @param eventType {@code payload.event_type}, e.g. {@code "user_action"}
 * @param data {@code payload.data}
 */
public record EventPayload(String eventType, JsonElement data) {

    /** Validates the components. */
    public EventPayload {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(data, "data");
        if (eventType.isEmpty()) {
            throw new IllegalArgumentException("eventType must not be empty");
        }
    }

    /**
     * Reads and validates the payload of an {@code event}.
     *
     * @throws LtpProtocolException {@code MISSING_REQUIRED_FIELD} with {@code details.missing_field}
     *     ({@code payload.event_type} or {@code payload.data}) when one is missing or {@code event_type} is empty
     *     (LTP-MSG-004); {@code MALFORMED_MESSAGE} when {@code event_type} is not a string
     */
    public static EventPayload from(Envelope envelope) {
        JsonObject payload = envelope.payload();
        JsonElement eventType = payload == null ? null : payload.get("event_type");
        if (eventType == null || eventType.isJsonNull()
                || (eventType instanceof JsonPrimitive p && p.isString() && p.getAsString().isEmpty())) {
            throw missing("payload.event_type");
        }
        if (!(eventType instanceof JsonPrimitive primitive && primitive.isString())) {
            throw new LtpProtocolException(ErrorCode.MALFORMED_MESSAGE, "Event field event_type must be a string",
                    LtpProtocolException.newDetails().put("field", "payload.event_type").build());
        }
        JsonElement data = payload.get("data");
        if (data == null) {
            throw missing("payload.data");
        }
        return new EventPayload(eventType.getAsString(), data);
    }

    /** The payload object {@code {"event_type":..., "data":...}} (data not copied). */
    public JsonObject toJson() {
        JsonObject payload = new JsonObject();
        payload.addProperty("event_type", eventType);
        payload.add("data", data);
        return payload;
    }

    private static LtpProtocolException missing(String field) {
        return new LtpProtocolException(ErrorCode.MISSING_REQUIRED_FIELD, "Event missing required field: " + field,
                LtpProtocolException.newDetails().put("missing_field", field).build());
    }
}
