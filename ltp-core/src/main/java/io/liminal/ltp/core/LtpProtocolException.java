package io.liminal.ltp.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Objects;

/**
 * A protocol rule was broken: carries the spec's {@link ErrorCode}, a precise message and the {@code details}
 * object that goes into {@code payload.details} of the error sent to the peer.
 *
 * <p>It is thrown on the hot path for hostile input, so it records no stack trace.
 */
public final class LtpProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final transient JsonObject details;

    /**
     * @param code the error code to send
     * @param message the human-readable {@code error_message}
     * @param details the {@code details} object; copied, may be {@code null} for none
     */
    public LtpProtocolException(ErrorCode code, String message, JsonObject details) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
        this.details = details == null ? new JsonObject() : details.deepCopy();
    }

    /** Same as {@code new LtpProtocolException(code, message, null)}. */
    public LtpProtocolException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /** The code that goes into {@code payload.error_code}. */
    public ErrorCode code() {
        return code;
    }

    /** A copy of the {@code details} object (empty when there are none). */
    public JsonObject details() {
        return details.deepCopy();
    }

    /** One member of the details, or {@code null}. */
    public JsonElement detail(String name) {
        JsonElement value = details.get(name);
        return value == null ? null : value.deepCopy();
    }

    /** Starts a details object; see {@link Details}. */
    public static Details newDetails() {
        return new Details();
    }

    /** A small builder for {@code details} objects that keeps call sites short. */
    public static final class Details {
        private final JsonObject object = new JsonObject();

        private Details() {
        }

        /** Adds a string member. */
        public Details put(String name, String value) {
            object.addProperty(name, value);
            return this;
        }

        /** Adds a number member. */
        public Details put(String name, Number value) {
            object.addProperty(name, value);
            return this;
        }

        /** Adds any member. */
        public Details put(String name, JsonElement value) {
            object.add(name, value);
            return this;
        }

        /** The details object. */
        public JsonObject build() {
            return object;
        }
    }
}
