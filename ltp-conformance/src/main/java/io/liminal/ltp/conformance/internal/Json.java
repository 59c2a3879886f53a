package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/** Small JSON helpers for reading frames leniently and checking fields strictly. */
public final class Json {
    private Json() {
    }

    /** The text as a JSON object, or {@code null} when it is not one (strict RFC 8259 parsing). */
    public static JsonObject objectOrNull(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement element = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                return null;
            }
            return element.isJsonObject() ? element.getAsJsonObject() : null;
        } catch (JsonParseException | IOException | IllegalStateException e) {
            return null;
        }
    }

    /** The member as a string, or {@code null} when absent or not a string. */
    public static String string(JsonObject object, String name) {
        JsonElement value = object == null ? null : object.get(name);
        return value instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }

    /** The member as an object, or {@code null}. */
    public static JsonObject object(JsonObject object, String name) {
        JsonElement value = object == null ? null : object.get(name);
        return value != null && value.isJsonObject() ? value.getAsJsonObject() : null;
    }

    /** Whether the member is a JSON integer (a number without fraction or exponent). */
    public static boolean isInteger(JsonObject object, String name) {
        JsonElement value = object == null ? null : object.get(name);
        if (!(value instanceof JsonPrimitive p) || !p.isNumber()) {
            return false;
        }
        String text = p.getAsNumber().toString();
        return text.matches("-?\\d+");
    }

    /** The message type, or {@code null}. */
    public static String type(JsonObject message) {
        return string(message, "type");
    }

    /** The error code of an error in either form (payload first, then top level), or {@code null}. */
    public static String errorCode(JsonObject error) {
        String code = string(object(error, "payload"), "error_code");
        return code != null ? code : string(error, "error_code");
    }

    /** {@code payload.details} of an error, or an empty object. */
    public static JsonObject errorDetails(JsonObject error) {
        JsonObject details = object(object(error, "payload"), "details");
        return details == null ? new JsonObject() : details;
    }
}
