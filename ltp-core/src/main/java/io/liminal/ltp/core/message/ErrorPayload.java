package io.liminal.ltp.core.message;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The content of an {@code error} message (spec §5).
 *
 * <p>Read from either upstream shape (LTP-ERR-002): {@code payload.error_code} if present, else a top-level
 * {@code error_code}, else {@link #UNKNOWN_CODE}. Always sent in the payload form (LTP-ERR-001), plus the
 * top-level {@code supported_versions} mirror for {@code UNSUPPORTED_VERSION} (§3.5).
 *
 * @param code {@code error_code} as received; may be a code this version does not know
 * @param message {@code error_message}, or an empty string
 * @param details {@code details}, or an empty object
 */
public record ErrorPayload(String code, String message, JsonObject details) {
    /** The code reported when an error names none. */
    public static final String UNKNOWN_CODE = "UNKNOWN";

    /** Validates the components. */
    public ErrorPayload {
        Objects.requireNonNull(code, "code");
        message = message == null ? "" : message;
        details = details == null ? new JsonObject() : details;
    }

    /** The error for a protocol exception. */
    public static ErrorPayload of(LtpProtocolException exception) {
        return new ErrorPayload(exception.code().wireName(), exception.getMessage(), exception.details());
    }

    /** Reads an {@code error} message in either shape; never fails. */
    public static ErrorPayload from(Envelope envelope) {
        JsonObject payload = envelope.payload();
        Map<String, JsonElement> top = envelope.extraFields();
        String code = string(payload, "error_code");
        String message;
        JsonElement details;
        if (code != null) {
            message = string(payload, "error_message");
            details = payload.get("details");
        } else {
            code = string(top.get("error_code"));
            message = string(top.get("error_message"));
            details = top.get("details");
            if (code == null) {
                code = UNKNOWN_CODE;
                message = message == null ? string(payload, "error_message") : message;
            }
        }
        return new ErrorPayload(code, message,
                details != null && details.isJsonObject() ? details.getAsJsonObject() : null);
    }

    /** The code as an {@link ErrorCode}, or {@code null} when this version does not know it. */
    public ErrorCode knownCode() {
        return ErrorCode.fromWire(code);
    }

    /** {@code details.supported_versions} of an {@code UNSUPPORTED_VERSION} error (empty when absent). */
    public List<String> supportedVersions() {
        JsonElement versions = details.get("supported_versions");
        List<String> result = new ArrayList<>();
        if (versions instanceof JsonArray array) {
            for (JsonElement version : array) {
                if (version instanceof JsonPrimitive p && p.isString()) {
                    result.add(p.getAsString());
                }
            }
        }
        return List.copyOf(result);
    }

    /** The payload object {@code {"error_code":..., "error_message":..., "details":...}}. */
    public JsonObject toJson() {
        JsonObject payload = new JsonObject();
        payload.addProperty("error_code", code);
        payload.addProperty("error_message", message);
        payload.add("details", details);
        return payload;
    }

    /**
     * The error as an envelope in the payload form. {@code threadId}/{@code sessionId} may be {@code null}
     * before a handshake. {@code UNSUPPORTED_VERSION} also gets the top-level {@code supported_versions} mirror.
     */
    public Envelope toEnvelope(String threadId, String sessionId, long timestamp, String nonce) {
        Map<String, JsonElement> extra = null;
        if (ErrorCode.UNSUPPORTED_VERSION.wireName().equals(code) && details.has("supported_versions")) {
            extra = new LinkedHashMap<>();
            extra.put("supported_versions", details.get("supported_versions").deepCopy());
        }
        return new Envelope(MessageTypes.ERROR, threadId, sessionId, timestamp, null, toJson(),
                threadId == null ? null : Meta.empty(), nonce, null, extra);
    }

    private static String string(JsonObject object, String name) {
        return object == null ? null : string(object.get(name));
    }

    private static String string(JsonElement value) {
        return value instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }
}
