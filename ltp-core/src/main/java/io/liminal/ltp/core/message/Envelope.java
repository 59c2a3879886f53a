package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.Objects;

/**
 * An LTP envelope (spec §4): every message that is not a handshake, standard ({@code ping}, {@code pong},
 * {@code state_update}, {@code event}, {@code error}) or custom ({@code namespace:type}).
 *
 * <p>Typed payload views: {@link StateUpdatePayload#from(Envelope)}, {@link EventPayload#from(Envelope)},
 * {@link ErrorPayload#from(Envelope)}.
 *
 * @param type {@code type}
 * @param threadId {@code thread_id}; {@code null} only on errors sent before a handshake
 * @param sessionId {@code session_id}; {@code null} only on errors sent before a handshake
 * @param timestamp {@code timestamp} in epoch seconds as sent; 0 only on received errors that lack one
 * @param contentEncoding {@code content_encoding} as sent, or {@code null} when absent (reads as JSON)
 * @param payload {@code payload}, or {@code null} when absent (senders always include it)
 * @param meta {@code meta}, or {@code null} when absent
 * @param nonce {@code nonce}, or {@code null}
 * @param signature {@code signature}, or {@code null}
 * @param extraFields unknown top-level members, carried unchanged
 */
public record Envelope(
        String type,
        String threadId,
        String sessionId,
        long timestamp,
        String contentEncoding,
        JsonObject payload,
        Meta meta,
        String nonce,
        String signature,
        Map<String, JsonElement> extraFields) implements LtpMessage {

    /** Validates and freezes the components. */
    public Envelope {
        Objects.requireNonNull(type, "type");
        extraFields = Records.freeze(extraFields);
    }

    /** How {@code payload.data} is encoded; {@link ContentEncoding#JSON} when absent. */
    public ContentEncoding encoding() {
        return ContentEncoding.fromWire(contentEncoding);
    }

    /** The payload, or an empty object when absent (how receivers read a {@code ping}/{@code pong}, A-10). */
    public JsonObject payloadOrEmpty() {
        return payload == null ? new JsonObject() : payload;
    }

    /** The meta, or an empty one when absent. */
    public Meta metaOrEmpty() {
        return meta == null ? Meta.empty() : meta;
    }

    /** Whether this is a custom {@code namespace:type} message. */
    public boolean isCustomType() {
        return MessageTypes.isCustom(type);
    }

    /** A copy bound to another thread and session (how buffered messages are stamped after a new ack). */
    public Envelope withIds(String newThreadId, String newSessionId) {
        return new Envelope(type, newThreadId, newSessionId, timestamp, contentEncoding, payload, meta, nonce,
                signature, extraFields);
    }

    /** A copy with another timestamp. */
    public Envelope withTimestamp(long newTimestamp) {
        return new Envelope(type, threadId, sessionId, newTimestamp, contentEncoding, payload, meta, nonce,
                signature, extraFields);
    }

    /** A copy with another nonce. */
    public Envelope withNonce(String newNonce) {
        return new Envelope(type, threadId, sessionId, timestamp, contentEncoding, payload, meta, newNonce,
                signature, extraFields);
    }

    /** A copy with another signature. */
    public Envelope withSignature(String newSignature) {
        return new Envelope(type, threadId, sessionId, timestamp, contentEncoding, payload, meta, nonce,
                newSignature, extraFields);
    }

    /** A copy with other extra fields. */
    public Envelope withExtraFields(Map<String, JsonElement> newExtraFields) {
        return new Envelope(type, threadId, sessionId, timestamp, contentEncoding, payload, meta, nonce,
                signature, newExtraFields);
    }

    /** A builder for an envelope of {@code type}. */
    public static Builder builder(String type) {
        return new Builder(type);
    }

    /** A builder starting from this envelope. */
    public Builder toBuilder() {
        Builder builder = new Builder(type);
        builder.threadId = threadId;
        builder.sessionId = sessionId;
        builder.timestamp = timestamp;
        builder.contentEncoding = contentEncoding;
        builder.payload = payload;
        builder.meta = meta;
        builder.nonce = nonce;
        builder.signature = signature;
        builder.extraFields = extraFields;
        return builder;
    }

    /**
     * Builds an {@link Envelope}. {@link #payload(JsonObject)} copies its argument; a payload left unset is
     * sent as {@code {}} (senders always include it, A-10).
     */
    public static final class Builder {
        private final String type;
        private String threadId;
        private String sessionId;
        private long timestamp;
        private String contentEncoding;
        private JsonObject payload;
        private Meta meta;
        private String nonce;
        private String signature;
        private Map<String, JsonElement> extraFields;

        private Builder(String type) {
            this.type = Objects.requireNonNull(type, "type");
        }

        /** Sets {@code thread_id}. */
        public Builder threadId(String threadId) {
            this.threadId = threadId;
            return this;
        }

        /** Sets {@code session_id}. */
        public Builder sessionId(String sessionId) {
            this.sessionId = sessionId;
            return this;
        }

        /** Sets {@code timestamp} (epoch seconds). */
        public Builder timestamp(long epochSeconds) {
            this.timestamp = epochSeconds;
            return this;
        }

        /** Sets {@code content_encoding}; {@code null} or {@link ContentEncoding#JSON} omit the field. */
        public Builder contentEncoding(ContentEncoding encoding) {
            this.contentEncoding = encoding == null || encoding == ContentEncoding.JSON ? null : encoding.wireName();
            return this;
        }

        /** Sets {@code payload} to a copy of {@code payload}. */
        public Builder payload(JsonObject payload) {
            this.payload = Records.copy(payload);
            return this;
        }

        /** Sets {@code payload} without copying: the envelope takes ownership of {@code payload}. */
        public Builder payloadOwned(JsonObject payload) {
            this.payload = payload;
            return this;
        }

        /** Sets {@code meta}. */
        public Builder meta(Meta meta) {
            this.meta = meta;
            return this;
        }

        /** Sets {@code nonce}. */
        public Builder nonce(String nonce) {
            this.nonce = nonce;
            return this;
        }

        /** Sets {@code signature}. */
        public Builder signature(String signature) {
            this.signature = signature;
            return this;
        }

        /** Sets extra top-level members. */
        public Builder extraFields(Map<String, JsonElement> extraFields) {
            this.extraFields = extraFields;
            return this;
        }

        /** The envelope. */
        public Envelope build() {
            return new Envelope(type, threadId, sessionId, timestamp, contentEncoding,
                    payload == null ? new JsonObject() : payload, meta, nonce, signature, extraFields);
        }
    }
}
