package io.liminal.ltp.core.internal.codec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.json.TreeParser;
import io.liminal.ltp.core.internal.json.Utf8;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.message.StateUpdatePayload;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one message in the order of spec §4 ("Server check order"): size, JSON object, type, handshake state,
 * ids, depth/string limits, payload. The first failure throws one {@link LtpProtocolException}.
 *
 * <p>The steps that depend on the receiver's state are delegated to a {@link Gate}; the stateless codec passes
 * {@link Gate#NONE}.
 */
public final class FrameDecoder {
    private static final int ONE_MIB = 1_048_576;
    /** Integers of up to 18 digits fit a long; longer ones take the general path. */
    private static final int MAX_PLAIN_DIGITS = 18;
    // The usual ping, {"type":"ping","thread_id":"<id>","session_id":"<id>","timestamp":<n>,"payload":{...}}.
    private static final String PING_HEAD = "{\"type\":\"ping\",\"thread_id\":\"";
    private static final String SESSION_MEMBER = "\",\"session_id\":\"";
    private static final String TIMESTAMP_MEMBER = "\",\"timestamp\":";
    private static final String PAYLOAD_MEMBER = ",\"payload\":";

    private FrameDecoder() {
    }

    /** Receiver-specific checks, called in the spec's order; each may throw {@link LtpProtocolException}. */
    public interface Gate {
        /** No receiver-specific checks. */
        Gate NONE = new Gate() {
        };

        /** The message has a string {@code type}: check routing, handshake state and rate limits. */
        default void onType(String type) {
        }

        /** An envelope's ids are present and strings: check them against the connection. */
        default void onIds(String type, String threadId, String sessionId) {
        }

        /**
         * Strings the message most likely contains (the connection's thread and session ids), or {@code null}: the
         * decoder hands back these objects for equal values instead of copies, so checking them is an identity
         * comparison and nothing is allocated for them.
         */
        default String likelyString1() {
            return null;
        }

        /** See {@link #likelyString1()}. */
        default String likelyString2() {
            return null;
        }

        /**
         * {@link FrameDecoder#plainPingHead} of {@link #likelyString1()} and {@link #likelyString2()} (the
         * connection's ids) when they need no escaping in JSON, else {@code null}: then a ping of the usual shape is
         * decoded without a tree.
         */
        default byte[] plainPingHead() {
            return null;
        }

        /** An envelope passed the limits; called before its payload is validated (signatures, replay). */
        default void beforePayload(Envelope envelope) {
        }
    }

    /**
     * Decodes a text frame.
     *
     * @param utf8Length the message's size in UTF-8 bytes when the transport knows it, else -1
     */
    public static LtpMessage decode(String text, long utf8Length, Limits limits, Gate gate) {
        return decode(text, utf8Length, limits, gate, false);
    }

    /**
     * Decodes a text frame; with {@code discardPingPayload} a ping's payload is validated but not built (it reads
     * as an empty object), which is all a server needs of it.
     */
    public static LtpMessage decode(String text, long utf8Length, Limits limits, Gate gate,
            boolean discardPingPayload) {
        checkSize(text, utf8Length, limits);
        if (discardPingPayload) {
            Envelope ping = plainPing(text, limits, gate);
            if (ping != null) {
                return ping;
            }
        }
        TreeParser.Parsed parsed = TreeParser.parse(text, limits, discardPingPayload, gate.likelyString1(),
                gate.likelyString2());
        return decodeTree(parsed, limits, gate);
    }

    /**
     * Decodes a text frame given as its bytes, all of them ASCII (below 0x80, so valid UTF-8 with one char per byte),
     * from the buffer's position to its limit; the position does not move. A plain ping of the session is read
     * straight from the bytes; anything else is decoded as text, with the same outcome.
     */
    public static LtpMessage decodeAscii(ByteBuffer ascii, Limits limits, Gate gate, boolean discardPingPayload) {
        int length = ascii.remaining();
        if (length > limits.maxMessageBytes()) {
            throw tooLarge(length, limits.maxMessageBytes());
        }
        byte[] head = discardPingPayload ? gate.plainPingHead() : null;
        if (head != null) {
            Envelope ping = AsciiPing.decode(ascii, head, limits, gate);
            if (ping != null) {
                return ping;
            }
        }
        return decode(asciiText(ascii), length, limits, gate, discardPingPayload);
    }

    /** The text of ASCII bytes (position to limit), without moving the position. */
    public static String asciiText(ByteBuffer ascii) {
        byte[] bytes = new byte[ascii.remaining()];
        ascii.get(ascii.position(), bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /**
     * The head of a session's plain ping: the type, both ids and the {@code "timestamp":} key, as the frame
     * starts, in ASCII; {@code null} unless both ids are {@link #isPlainId plain}.
     */
    public static byte[] plainPingHead(String threadId, String sessionId) {
        return isPlainId(threadId) && isPlainId(sessionId) ? AsciiPing.head(threadId, sessionId) : null;
    }

    /**
     * Decodes a binary frame holding UTF-8 JSON; invalid UTF-8 is {@code MALFORMED_MESSAGE}.
     */
    public static LtpMessage decode(ByteBuffer utf8, Limits limits, Gate gate) {
        return decode(utf8, limits, gate, false);
    }

    /** Decodes a binary frame; see {@link #decode(String, long, Limits, Gate, boolean)}. */
    public static LtpMessage decode(ByteBuffer utf8, Limits limits, Gate gate, boolean discardPingPayload) {
        int size = utf8.remaining();
        if (size > limits.maxMessageBytes()) {
            throw tooLarge(size, limits.maxMessageBytes());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(utf8)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new LtpProtocolException(ErrorCode.MALFORMED_MESSAGE, "Message is not valid UTF-8",
                    LtpProtocolException.newDetails().put("error", e.toString()).build());
        }
        return decode(text, size, limits, gate, discardPingPayload);
    }

    /** Whether {@code id} is printable ASCII without quotes or backslashes, so that JSON carries it as it is. */
    public static boolean isPlainId(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /**
     * The session's ping in its usual shape, {@code {"type":"ping","thread_id":"<thread>","session_id":"<session>",
     * "timestamp":<digits>,"payload":{...}}} with the connection's ids and nothing else, decoded without a tree;
     * {@code null} for anything else, which the general path then decodes. Heartbeats are most of what a server
     * reads, and their payload is validated and dropped anyway. Where it applies, the result and the gate's calls
     * are those of the general path (a property test compares the two): the payload is validated with the general
     * grammar and depth limit, and the texts it accepts are too short for any string to break the string limit.
     */
    static Envelope plainPing(String text, Limits limits, Gate gate) {
        int length = text.length();
        if (gate.plainPingHead() == null || length > limits.maxStringBytes() / 3) {
            return null;
        }
        String thread = gate.likelyString1();
        String session = gate.likelyString2();
        int idsEnd = PING_HEAD.length() + thread.length() + SESSION_MEMBER.length() + session.length();
        if (!text.startsWith(PING_HEAD) || !text.startsWith(thread, PING_HEAD.length())
                || !text.startsWith(SESSION_MEMBER, PING_HEAD.length() + thread.length())
                || !text.startsWith(session, idsEnd - session.length()) || !text.startsWith(TIMESTAMP_MEMBER, idsEnd)) {
            return null;
        }
        int digitsStart = idsEnd + TIMESTAMP_MEMBER.length();
        int p = digitsStart;
        long timestamp = 0;
        while (p < length && p - digitsStart <= MAX_PLAIN_DIGITS) {
            char c = text.charAt(p);
            if (c < '0' || c > '9') {
                break;
            }
            timestamp = timestamp * 10 + (c - '0');
            p++;
        }
        int digits = p - digitsStart;
        if (digits == 0 || digits > MAX_PLAIN_DIGITS || digits > 1 && text.charAt(digitsStart) == '0'
                || !text.startsWith(PAYLOAD_MEMBER, p)) {
            return null;
        }
        int end = TreeParser.skipPayloadObject(text, p + PAYLOAD_MEMBER.length(), limits);
        if (end != length - 1 || text.charAt(end) != '}') {
            return null;
        }
        gate.onType(MessageTypes.PING);
        gate.onIds(MessageTypes.PING, thread, session);
        Envelope envelope = new Envelope(MessageTypes.PING, thread, session, timestamp, null,
                TreeParser.DISCARDED_PAYLOAD, null, null, null, null);
        gate.beforePayload(envelope);
        return envelope;
    }

    /** The {@code MESSAGE_TOO_LARGE} error for a whole message, in the upstream shape. */
    public static LtpProtocolException tooLarge(long sizeBytes, int maxBytes) {
        String message = maxBytes == ONE_MIB ? "Message exceeds 1 MB limit"
                : "Message exceeds " + maxBytes + " byte limit";
        return new LtpProtocolException(ErrorCode.MESSAGE_TOO_LARGE, message,
                LtpProtocolException.newDetails().put("size_bytes", sizeBytes).put("max_bytes", maxBytes).build());
    }

    private static void checkSize(String text, long utf8Length, Limits limits) {
        int max = limits.maxMessageBytes();
        if (utf8Length >= 0) {
            if (utf8Length > max) {
                throw tooLarge(utf8Length, max);
            }
        } else if (Utf8.exceeds(text, max)) {
            throw tooLarge(Utf8.length(text), max);
        }
    }

    private static LtpMessage decodeTree(TreeParser.Parsed parsed, Limits limits, Gate gate) {
        JsonElement typeValue = parsed.get("type");
        if (absent(typeValue)) {
            throw missing("type");
        }
        if (!isString(typeValue)) {
            throw mistyped("type", "string");
        }
        String type = typeValue.getAsString();
        gate.onType(type);
        return switch (type) {
            case MessageTypes.HANDSHAKE_INIT -> decodeInit(parsed);
            case MessageTypes.HANDSHAKE_RESUME -> decodeResume(parsed);
            case MessageTypes.HANDSHAKE_ACK -> decodeAck(parsed);
            case MessageTypes.HANDSHAKE_REJECT -> decodeReject(parsed);
            case MessageTypes.ERROR -> decodeError(parsed, type);
            default -> decodeEnvelope(type, parsed, limits, gate);
        };
    }

    // ---- Handshakes (§3.6): required fields, then version, then client id. -------------------------------------

    private static HandshakeInit decodeInit(TreeParser.Parsed parsed) {
        throwLimitViolation(parsed);
        Map<String, JsonElement> extra = null;
        JsonElement version = null;
        JsonElement clientId = null;
        JsonElement fingerprint = null;
        JsonElement intent = null;
        JsonElement capabilities = null;
        JsonElement metadata = null;
        for (int i = 0; i < parsed.size(); i++) {
            String name = parsed.names()[i];
            JsonElement value = parsed.values()[i];
            switch (name) {
                case "type" -> { }
                case "ltp_version" -> version = value;
                case "client_id" -> clientId = value;
                case "device_fingerprint" -> fingerprint = value;
                case "intent" -> intent = value;
                case "capabilities" -> capabilities = value;
                case "metadata" -> metadata = value;
                default -> extra = putExtra(extra, name, value);
            }
        }
        String ltpVersion = requiredHandshakeString(version, "ltp_version");
        String client = requiredHandshakeString(clientId, "client_id");
        HandshakeInit init = new HandshakeInit(ltpVersion, client,
                optionalHandshakeString(fingerprint, "device_fingerprint"),
                optionalHandshakeString(intent, "intent"),
                optionalStringArray(capabilities, "capabilities"),
                optionalHandshakeObject(metadata, "metadata"),
                extra);
        LtpVersions.negotiate(ltpVersion);
        checkClientId(client);
        return init;
    }

    private static HandshakeResume decodeResume(TreeParser.Parsed parsed) {
        throwLimitViolation(parsed);
        Map<String, JsonElement> extra = null;
        JsonElement version = null;
        JsonElement clientId = null;
        JsonElement threadId = null;
        JsonElement reason = null;
        JsonElement metadata = null;
        for (int i = 0; i < parsed.size(); i++) {
            String name = parsed.names()[i];
            JsonElement value = parsed.values()[i];
            switch (name) {
                case "type" -> { }
                case "ltp_version" -> version = value;
                case "client_id" -> clientId = value;
                case "thread_id" -> threadId = value;
                case "resume_reason" -> reason = value;
                case "metadata" -> metadata = value;
                default -> extra = putExtra(extra, name, value);
            }
        }
        String ltpVersion = requiredHandshakeString(version, "ltp_version");
        String client = requiredHandshakeString(clientId, "client_id");
        String thread = requiredHandshakeString(threadId, "thread_id");
        HandshakeResume resume = new HandshakeResume(ltpVersion, client, thread,
                optionalHandshakeString(reason, "resume_reason"),
                optionalHandshakeObject(metadata, "metadata"),
                extra);
        LtpVersions.negotiate(ltpVersion);
        checkClientId(client);
        return resume;
    }

    private static HandshakeAck decodeAck(TreeParser.Parsed parsed) {
        throwLimitViolation(parsed);
        Map<String, JsonElement> extra = null;
        JsonElement version = null;
        JsonElement threadId = null;
        JsonElement sessionId = null;
        JsonElement capabilities = null;
        JsonElement heartbeat = null;
        JsonElement resumed = null;
        JsonElement metadata = null;
        JsonElement nonce = null;
        for (int i = 0; i < parsed.size(); i++) {
            String name = parsed.names()[i];
            JsonElement value = parsed.values()[i];
            switch (name) {
                case "type" -> { }
                case "ltp_version" -> version = value;
                case "thread_id" -> threadId = value;
                case "session_id" -> sessionId = value;
                case "server_capabilities" -> capabilities = value;
                case "heartbeat_interval_ms" -> heartbeat = value;
                case "resumed" -> resumed = value;
                case "metadata" -> metadata = value;
                case "nonce" -> {
                    // Reserved, ignored hook: a mistyped one is kept as an extra field rather than refused.
                    if (isString(value)) {
                        nonce = value;
                    } else {
                        extra = putExtra(extra, name, value);
                    }
                }
                default -> extra = putExtra(extra, name, value);
            }
        }
        String thread = requiredNonEmptyHandshakeString(threadId, "thread_id");
        String session = requiredNonEmptyHandshakeString(sessionId, "session_id");
        String ltpVersion = optionalHandshakeString(version, "ltp_version");
        long interval = HandshakeAck.DEFAULT_HEARTBEAT_INTERVAL_MS;
        if (!absent(heartbeat)) {
            if (!isNumber(heartbeat)) {
                throw mistypedHandshake("heartbeat_interval_ms", "integer");
            }
            double value = heartbeat.getAsDouble();
            interval = value >= 1 ? (long) Math.min(value, Long.MAX_VALUE) : HandshakeAck.DEFAULT_HEARTBEAT_INTERVAL_MS;
        }
        boolean wasResumed = false;
        if (!absent(resumed)) {
            if (!(resumed instanceof JsonPrimitive p && p.isBoolean())) {
                throw mistypedHandshake("resumed", "boolean");
            }
            wasResumed = resumed.getAsBoolean();
        }
        return new HandshakeAck(ltpVersion == null ? LtpVersions.V0_3 : ltpVersion, thread, session,
                optionalStringArray(capabilities, "server_capabilities"), interval, wasResumed,
                optionalHandshakeObject(metadata, "metadata"),
                nonce == null ? null : nonce.getAsString(),
                extra);
    }

    private static HandshakeReject decodeReject(TreeParser.Parsed parsed) {
        throwLimitViolation(parsed);
        Map<String, JsonElement> extra = null;
        JsonElement version = null;
        JsonElement reason = null;
        JsonElement suggestNew = null;
        JsonElement metadata = null;
        for (int i = 0; i < parsed.size(); i++) {
            String name = parsed.names()[i];
            JsonElement value = parsed.values()[i];
            switch (name) {
                case "type" -> { }
                case "ltp_version" -> version = value;
                case "reason" -> reason = value;
                case "suggest_new" -> suggestNew = value;
                case "metadata" -> metadata = value;
                default -> extra = putExtra(extra, name, value);
            }
        }
        String why = requiredHandshakeString(reason, "reason");
        String ltpVersion = optionalHandshakeString(version, "ltp_version");
        Boolean suggest = null;
        if (!absent(suggestNew)) {
            if (!(suggestNew instanceof JsonPrimitive p && p.isBoolean())) {
                throw mistypedHandshake("suggest_new", "boolean");
            }
            suggest = suggestNew.getAsBoolean();
        }
        return new HandshakeReject(ltpVersion == null ? LtpVersions.V0_3 : ltpVersion, why, suggest,
                optionalHandshakeObject(metadata, "metadata"), extra);
    }

    private static void checkClientId(String clientId) {
        if (clientId.isEmpty()) {
            throw new LtpProtocolException(ErrorCode.INVALID_CLIENT_ID, "client_id must not be empty",
                    LtpProtocolException.newDetails().put("field", "client_id").build());
        }
    }

    // ---- Envelopes (§4) -------------------------------------------------------------------------------------

    private static Envelope decodeEnvelope(String type, TreeParser.Parsed parsed, Limits limits, Gate gate) {
        Map<String, JsonElement> extra = null;
        JsonElement threadId = null;
        JsonElement sessionId = null;
        JsonElement timestamp = null;
        JsonElement encoding = null;
        JsonElement payload = null;
        JsonElement meta = null;
        JsonElement nonce = null;
        JsonElement signature = null;
        for (int i = 0; i < parsed.size(); i++) {
            String name = parsed.names()[i];
            JsonElement value = parsed.values()[i];
            switch (name) {
                case "type" -> { }
                case "thread_id" -> threadId = value;
                case "session_id" -> sessionId = value;
                case "timestamp" -> timestamp = value;
                case "content_encoding" -> encoding = value;
                case "payload" -> payload = value;
                case "meta" -> meta = value;
                case "nonce" -> nonce = value;
                case "signature" -> signature = value;
                default -> extra = putExtra(extra, name, value);
            }
        }
        String thread = requiredEnvelopeString(threadId, "thread_id");
        String session = requiredEnvelopeString(sessionId, "session_id");
        if (absent(timestamp)) {
            throw missing("timestamp");
        }
        long epochSeconds = integer(timestamp, "timestamp");
        String contentEncoding = optionalString(encoding, "content_encoding");
        ContentEncoding parsedEncoding = ContentEncoding.fromWire(contentEncoding);
        if (parsedEncoding == null) {
            throw new LtpProtocolException(ErrorCode.MALFORMED_MESSAGE,
                    "Unknown content_encoding '" + contentEncoding + "' (expected json or toon)",
                    LtpProtocolException.newDetails().put("field", "content_encoding")
                            .put("expected", "json|toon").build());
        }
        JsonObject payloadObject = optionalObject(payload, "payload");
        JsonObject metaObject = optionalObject(meta, "meta");
        String nonceText = optionalString(nonce, "nonce");
        String signatureText = optionalString(signature, "signature");

        gate.onIds(type, thread, session);

        throwLimitViolation(parsed);
        if (parsed.oversizedPayloadDataBytes() > 0 && parsedEncoding != ContentEncoding.TOON) {
            throw TreeParser.stringTooLong("payload.data", parsed.oversizedPayloadDataBytes(), limits.maxStringBytes());
        }

        Envelope envelope = new Envelope(type, thread, session, epochSeconds, contentEncoding, payloadObject,
                metaObject == null ? null : Meta.wrap(metaObject), nonceText, signatureText, extra);
        gate.beforePayload(envelope);
        switch (type) {
            case MessageTypes.STATE_UPDATE -> StateUpdatePayload.from(envelope);
            case MessageTypes.EVENT -> EventPayload.from(envelope);
            default -> { }
        }
        return envelope;
    }

    /**
     * Errors are read leniently (LTP-ERR-002): both upstream shapes, ids optional, and a mistyped field is kept
     * as an extra field instead of failing, because errors are never answered with errors.
     */
    private static Envelope decodeError(TreeParser.Parsed parsed, String type) {
        Map<String, JsonElement> extra = null;
        String threadId = null;
        String sessionId = null;
        Long timestamp = null;
        String encoding = null;
        JsonObject payload = null;
        JsonObject meta = null;
        String nonce = null;
        String signature = null;
        for (int i = 0; i < parsed.size(); i++) {
            String name = parsed.names()[i];
            JsonElement value = parsed.values()[i];
            if ("type".equals(name)) {
                continue;
            }
            boolean string = isString(value);
            if (string && "thread_id".equals(name)) {
                threadId = value.getAsString();
            } else if (string && "session_id".equals(name)) {
                sessionId = value.getAsString();
            } else if (string && "content_encoding".equals(name)) {
                encoding = value.getAsString();
            } else if (string && "nonce".equals(name)) {
                nonce = value.getAsString();
            } else if (string && "signature".equals(name)) {
                signature = value.getAsString();
            } else if ("timestamp".equals(name) && integerOrNull(value) != null) {
                timestamp = integerOrNull(value);
            } else if ("payload".equals(name) && value.isJsonObject()) {
                payload = value.getAsJsonObject();
            } else if ("meta".equals(name) && value.isJsonObject()) {
                meta = value.getAsJsonObject();
            } else {
                extra = putExtra(extra, name, value);
            }
        }
        return new Envelope(type, threadId, sessionId, timestamp == null ? 0 : timestamp, encoding, payload,
                meta == null ? null : Meta.wrap(meta), nonce, signature, extra);
    }

    // ---- Field helpers ------------------------------------------------------------------------------------------

    private static void throwLimitViolation(TreeParser.Parsed parsed) {
        if (parsed.limitViolation() != null) {
            throw parsed.limitViolation();
        }
    }

    private static Map<String, JsonElement> putExtra(Map<String, JsonElement> extra, String name, JsonElement value) {
        Map<String, JsonElement> map = extra == null ? new LinkedHashMap<>() : extra;
        map.put(name, value);
        return map;
    }

    /** A {@code null} value counts as absent (§4). */
    static boolean absent(JsonElement value) {
        return value == null || value.isJsonNull();
    }

    private static boolean isString(JsonElement value) {
        return value instanceof JsonPrimitive p && p.isString();
    }

    private static boolean isNumber(JsonElement value) {
        return value instanceof JsonPrimitive p && p.isNumber();
    }

    private static String requiredEnvelopeString(JsonElement value, String field) {
        if (absent(value)) {
            throw missing(field);
        }
        if (!isString(value)) {
            throw mistyped(field, "string");
        }
        return value.getAsString();
    }

    private static String optionalString(JsonElement value, String field) {
        if (absent(value)) {
            return null;
        }
        if (!isString(value)) {
            throw mistyped(field, "string");
        }
        return value.getAsString();
    }

    private static JsonObject optionalObject(JsonElement value, String field) {
        if (absent(value)) {
            return null;
        }
        if (!value.isJsonObject()) {
            throw mistyped(field, "object");
        }
        return value.getAsJsonObject();
    }

    private static long integer(JsonElement value, String field) {
        Long result = integerOrNull(value);
        if (result == null) {
            throw new LtpProtocolException(ErrorCode.MALFORMED_MESSAGE,
                    field + " must be an integer (epoch seconds)",
                    LtpProtocolException.newDetails().put("field", field).put("expected", "integer").build());
        }
        return result;
    }

    /** The value of an integral JSON number that fits a long, or {@code null}. */
    private static Long integerOrNull(JsonElement value) {
        if (!isNumber(value)) {
            return null;
        }
        String text = value.getAsJsonPrimitive().getAsNumber().toString();
        if (isPlainInteger(text)) {
            return Long.parseLong(text);
        }
        try {
            return new BigDecimal(text).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private static boolean isPlainInteger(String text) {
        int start = text.startsWith("-") ? 1 : 0;
        int length = text.length() - start;
        if (length < 1 || length > 18) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String requiredHandshakeString(JsonElement value, String field) {
        if (absent(value)) {
            throw new LtpProtocolException(ErrorCode.MALFORMED_HANDSHAKE, "Handshake missing required field: " + field,
                    LtpProtocolException.newDetails().put("missing_field", field).build());
        }
        if (!isString(value)) {
            throw mistypedHandshake(field, "string");
        }
        return value.getAsString();
    }

    private static String requiredNonEmptyHandshakeString(JsonElement value, String field) {
        String text = requiredHandshakeString(value, field);
        if (text.isEmpty()) {
            throw new LtpProtocolException(ErrorCode.MALFORMED_HANDSHAKE, "Handshake field " + field + " is empty",
                    LtpProtocolException.newDetails().put("field", field).put("expected", "non-empty string").build());
        }
        return text;
    }

    private static String optionalHandshakeString(JsonElement value, String field) {
        if (absent(value)) {
            return null;
        }
        if (!isString(value)) {
            throw mistypedHandshake(field, "string");
        }
        return value.getAsString();
    }

    private static JsonObject optionalHandshakeObject(JsonElement value, String field) {
        if (absent(value)) {
            return null;
        }
        if (!value.isJsonObject()) {
            throw mistypedHandshake(field, "object");
        }
        return value.getAsJsonObject();
    }

    private static List<String> optionalStringArray(JsonElement value, String field) {
        if (absent(value)) {
            return null;
        }
        if (!(value instanceof JsonArray array)) {
            throw mistypedHandshake(field, "array of strings");
        }
        List<String> result = new ArrayList<>(array.size());
        for (JsonElement element : array) {
            if (!isString(element)) {
                throw mistypedHandshake(field, "array of strings");
            }
            result.add(element.getAsString());
        }
        return result;
    }

    private static LtpProtocolException missing(String field) {
        return new LtpProtocolException(ErrorCode.MISSING_REQUIRED_FIELD, "Missing required field: " + field,
                LtpProtocolException.newDetails().put("missing_field", field).build());
    }

    private static LtpProtocolException mistyped(String field, String expected) {
        return new LtpProtocolException(ErrorCode.MALFORMED_MESSAGE, "Field " + field + " must be a " + expected,
                LtpProtocolException.newDetails().put("field", field).put("expected", expected).build());
    }

    private static LtpProtocolException mistypedHandshake(String field, String expected) {
        return new LtpProtocolException(ErrorCode.MALFORMED_HANDSHAKE,
                "Handshake field " + field + " must be a " + expected,
                LtpProtocolException.newDetails().put("field", field).put("expected", expected).build());
    }
}
