package io.liminal.ltp.core.internal.codec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.json.TreeParser;
import io.liminal.ltp.core.internal.json.Utf8;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.LtpMessage;
import java.util.Map;

/**
 * Checks a message about to be sent against the §10 limits (senders must stay within them), so the sender
 * learns of a violation before the peer does. The size check happens on the encoded text.
 */
public final class OutboundLimits {
    private OutboundLimits() {
    }

    /**
     * Checks payload depth and string sizes of {@code message}.
     *
     * @throws LtpProtocolException {@code MESSAGE_TOO_LARGE} naming the limit and the field
     */
    public static void check(LtpMessage message, Limits limits) {
        if (!fits(message, limits)) {
            report(message, limits);
        }
    }

    /**
     * The check of every message sent: allocates nothing. Only a message that breaks a limit is walked again, by
     * {@link #report}, building the paths that name where.
     */
    private static boolean fits(LtpMessage message, Limits limits) {
        if (message instanceof Envelope envelope) {
            JsonObject payload = envelope.payload();
            if (payload != null && !fits(payload, 1, true, envelope.encoding() == ContentEncoding.TOON, limits)) {
                return false;
            }
            if (envelope.meta() != null && !fits(envelope.meta().json(), 1, false, false, limits)) {
                return false;
            }
        }
        for (Map.Entry<String, JsonElement> extra : message.extraFields().entrySet()) {
            if (Utf8.exceeds(extra.getKey(), limits.maxStringBytes())
                    || !fits(extra.getValue(), 1, false, false, limits)) {
                return false;
            }
        }
        return true;
    }

    /** {@code toonData}: {@code value} is a TOON payload, whose {@code data} string is not held to the limit. */
    private static boolean fits(JsonElement value, int depth, boolean payload, boolean toonData, Limits limits) {
        if (value instanceof JsonPrimitive primitive) {
            return !primitive.isString() || !Utf8.exceeds(primitive.getAsString(), limits.maxStringBytes());
        }
        if (depth > (payload ? limits.maxPayloadDepth() : limits.maxNestingDepth())) {
            return !(value instanceof JsonObject) && !(value instanceof JsonArray);
        }
        if (value instanceof JsonObject object) {
            for (Map.Entry<String, JsonElement> member : object.entrySet()) {
                if (Utf8.exceeds(member.getKey(), limits.maxStringBytes())) {
                    return false;
                }
                JsonElement child = member.getValue();
                boolean exempt = toonData && child instanceof JsonPrimitive && "data".equals(member.getKey());
                if (!exempt && !fits(child, depth + 1, payload, false, limits)) {
                    return false;
                }
            }
        } else if (value instanceof JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                if (!fits(array.get(i), depth + 1, payload, false, limits)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Throws for the first limit {@code message} breaks, naming its path. */
    private static void report(LtpMessage message, Limits limits) {
        if (message instanceof Envelope envelope) {
            JsonObject payload = envelope.payload();
            if (payload != null) {
                boolean toon = envelope.encoding() == ContentEncoding.TOON;
                walk(payload, "payload", 1, true, toon, limits);
            }
            if (envelope.meta() != null) {
                walk(envelope.meta().json(), "meta", 1, false, false, limits);
            }
        }
        for (Map.Entry<String, JsonElement> extra : message.extraFields().entrySet()) {
            checkString(extra.getKey(), extra.getKey(), limits);
            walk(extra.getValue(), extra.getKey(), 1, false, false, limits);
        }
    }

    private static void walk(JsonElement value, String path, int depth, boolean payload, boolean toon, Limits limits) {
        if (value instanceof JsonPrimitive primitive) {
            if (primitive.isString() && !(toon && "payload.data".equals(path))) {
                checkString(primitive.getAsString(), path, limits);
            }
            return;
        }
        if (!(value instanceof JsonObject) && !(value instanceof JsonArray)) {
            return;
        }
        int max = payload ? limits.maxPayloadDepth() : limits.maxNestingDepth();
        if (depth > max) {
            throw new LtpProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    (payload ? "Payload" : "Message") + " depth exceeds the limit of " + max + " at " + path,
                    LtpProtocolException.newDetails()
                            .put("limit", payload ? "payload_depth" : "nesting_depth").put("depth", depth)
                            .put("max_depth", max).build());
        }
        if (value instanceof JsonObject object) {
            for (Map.Entry<String, JsonElement> member : object.entrySet()) {
                String childPath = path + '.' + member.getKey();
                checkString(member.getKey(), childPath, limits);
                walk(member.getValue(), childPath, depth + 1, payload, toon, limits);
            }
        } else {
            JsonArray array = (JsonArray) value;
            for (int i = 0; i < array.size(); i++) {
                walk(array.get(i), path + '[' + i + ']', depth + 1, payload, toon, limits);
            }
        }
    }

    private static void checkString(String value, String path, Limits limits) {
        if (Utf8.exceeds(value, limits.maxStringBytes())) {
            throw TreeParser.stringTooLong(path, Utf8.length(value), limits.maxStringBytes());
        }
    }
}
