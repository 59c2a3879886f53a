package io.liminal.ltp.core.delivery;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.internal.text.Identifiers;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.MessageTypes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Names and messages of the delivery extension {@code delivery-v1}. Both sides put a {@code delivery} object in
 * their handshake message (the client in {@code handshake_init}/{@code handshake_resume}, the server in
 * {@code handshake_ack}, with {@code delivery-v1} in {@code server_capabilities}); only then do application
 * messages carry {@code seq} and do {@code delivery:ack} messages flow. Plain v0.3 peers ignore the unknown
 * field, so nothing changes for them.
 */
public final class DeliveryProtocol {
    /** The capability both sides advertise. */
    public static final String CAPABILITY = "delivery-v1";
    /** The handshake member holding {@link Hello} or {@link Welcome}. */
    public static final String HANDSHAKE_FIELD = "delivery";
    /** The envelope member holding a message's sequence number. */
    public static final String SEQ_FIELD = "seq";
    /** The acknowledgement message: {@code payload.through} is cumulative. */
    public static final String ACK_TYPE = "delivery:ack";
    /** Longest client instance id, in characters. */
    public static final int MAX_INSTANCE_LENGTH = 128;

    private DeliveryProtocol() {
    }

    /**
     * The client's half of the negotiation.
     *
     * @param instance identifies the sending client instance; its messages are numbered 1, 2, 3, ... and the server
     *     keeps one cursor per instance
     * @param lastReceived the highest sequence number of the thread's messages the client has processed (0: none)
     */
    public record Hello(String instance, long lastReceived) {
        /** Validates the components. */
        public Hello {
            Objects.requireNonNull(instance, "instance");
            if (instance.isEmpty() || instance.length() > MAX_INSTANCE_LENGTH) {
                throw new IllegalArgumentException("instance must have 1 to " + MAX_INSTANCE_LENGTH + " characters");
            }
            if (lastReceived < 0) {
                throw new IllegalArgumentException("lastReceived must not be negative");
            }
        }

        public JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("version", 1);
            json.addProperty("instance", instance);
            json.addProperty("last_received", lastReceived);
            return json;
        }

        /** The hello in a handshake's unknown fields, or {@code null} when absent or malformed (then: plain v0.3). */
        public static Hello from(Map<String, JsonElement> extraFields) {
            JsonElement value = extraFields == null ? null : extraFields.get(HANDSHAKE_FIELD);
            if (value == null || !value.isJsonObject()) {
                return null;
            }
            JsonObject json = value.getAsJsonObject();
            String instance = string(json, "instance");
            long lastReceived = json.has("last_received") ? integer(json, "last_received") : 0;
            if (instance == null || instance.isEmpty() || instance.length() > MAX_INSTANCE_LENGTH || lastReceived < 0
                    || !Identifiers.isStorable(instance)) {
                return null;
            }
            return new Hello(instance, lastReceived);
        }
    }

    /**
     * The server's half: where both directions resume.
     *
     * @param lastProcessed the highest sequence number of this instance's messages the server has processed; the
     *     client resends everything after it
     * @param firstAvailable the lowest sequence number of the thread still in the server's log
     * @param lastSeq the highest sequence number the thread's log has assigned
     * @param missed the messages the client asked for that were trimmed from the log, or {@code null}
     */
    public record Welcome(long lastProcessed, long firstAvailable, long lastSeq, Gap missed) {
        public JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("version", 1);
            json.addProperty("last_processed", lastProcessed);
            json.addProperty("first_available", firstAvailable);
            json.addProperty("last_seq", lastSeq);
            if (missed != null) {
                JsonObject gap = new JsonObject();
                gap.addProperty("from", missed.from());
                gap.addProperty("to", missed.to());
                json.add("missed", gap);
            }
            return json;
        }

        /** The welcome in an ack's unknown fields, or {@code null} when the server did not negotiate delivery. */
        public static Welcome from(Map<String, JsonElement> extraFields) {
            JsonElement value = extraFields == null ? null : extraFields.get(HANDSHAKE_FIELD);
            if (value == null || !value.isJsonObject()) {
                return null;
            }
            JsonObject json = value.getAsJsonObject();
            Gap missed = null;
            if (json.has("missed") && json.get("missed").isJsonObject()) {
                JsonObject gap = json.getAsJsonObject("missed");
                missed = new Gap(integer(gap, "from"), integer(gap, "to"));
            }
            return new Welcome(integer(json, "last_processed"), integer(json, "first_available"),
                    integer(json, "last_seq"), missed);
        }
    }

    /**
     * Messages the receiver asked for but the sender no longer has.
     *
     * @param from the first missed sequence number
     * @param to the last missed sequence number
     */
    public record Gap(long from, long to) {
    }

    /** The sequence number of an application message, or 0 when it has none. */
    public static long seqOf(Envelope envelope) {
        JsonElement value = envelope.extraFields().get(SEQ_FIELD);
        if (value instanceof JsonPrimitive primitive && primitive.isNumber()) {
            String digits = primitive.getAsString();
            if (JsonText.isLongDigits(digits)) { // what senders write: no BigDecimal needed
                long seq = Long.parseLong(digits);
                return seq > 0 ? seq : 0;
            }
            long seq = primitive.getAsLong();
            return seq > 0 && primitive.getAsBigDecimal().scale() <= 0 ? seq : 0;
        }
        return 0;
    }

    /** The envelope with {@code seq} set. */
    public static Envelope withSeq(Envelope envelope, long seq) {
        Map<String, JsonElement> extras = new LinkedHashMap<>(envelope.extraFields());
        extras.put(SEQ_FIELD, new JsonPrimitive(seq));
        return envelope.withExtraFields(extras);
    }

    /** The envelope without {@code seq} (what is logged, and what plain peers get). */
    public static Envelope withoutSeq(Envelope envelope) {
        Map<String, JsonElement> extras = extrasWithoutSeq(envelope);
        return extras == envelope.extraFields() ? envelope : envelope.withExtraFields(extras);
    }

    /** The envelope's unknown members without {@code seq} (the same map when it has none). */
    public static Map<String, JsonElement> extrasWithoutSeq(Envelope envelope) {
        Map<String, JsonElement> extras = envelope.extraFields();
        if (!extras.containsKey(SEQ_FIELD)) {
            return extras;
        }
        if (extras.size() == 1) {
            return Map.of(); // the usual case: seq was the only one
        }
        Map<String, JsonElement> without = new LinkedHashMap<>(extras);
        without.remove(SEQ_FIELD);
        return without;
    }

    /** An acknowledgement of everything up to {@code through}, to be stamped like any envelope. */
    public static Envelope ack(long through) {
        JsonObject payload = new JsonObject();
        payload.addProperty("through", through);
        return Envelope.builder(ACK_TYPE).payloadOwned(payload).build();
    }

    /** Whether the envelope is an acknowledgement. */
    public static boolean isAck(Envelope envelope) {
        return ACK_TYPE.equals(envelope.type());
    }

    /** What an acknowledgement acknowledges (0 when malformed). */
    public static long ackedThrough(Envelope ack) {
        JsonObject payload = ack.payload();
        return payload == null ? 0 : Math.max(0, integer(payload, "through"));
    }

    /** Whether messages of this type are numbered (application messages, not pings, pongs, errors or acks). */
    public static boolean isNumbered(String type) {
        return MessageTypes.STATE_UPDATE.equals(type) || MessageTypes.EVENT.equals(type)
                || MessageTypes.isCustom(type) && !ACK_TYPE.equals(type);
    }

    private static String string(JsonObject json, String name) {
        JsonElement value = json.get(name);
        return value instanceof JsonPrimitive primitive && primitive.isString() ? primitive.getAsString() : null;
    }

    private static long integer(JsonObject json, String name) {
        JsonElement value = json.get(name);
        if (value instanceof JsonPrimitive primitive && primitive.isNumber()) {
            try {
                return primitive.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return -1;
    }
}
