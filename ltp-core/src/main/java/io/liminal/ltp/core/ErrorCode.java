package io.liminal.ltp.core;

import java.util.HashMap;
import java.util.Map;

/**
 * Every error code LTP v0.3 puts on the wire (spec §6 and the §11 extension codes), with what happens to the
 * connection after it.
 *
 * <p>Receivers must accept codes that are not listed here; {@link #fromWire(String)} returns {@code null} for
 * them, and the raw code stays available wherever an error is surfaced.
 */
public enum ErrorCode {
    /** Not JSON, not an object, or a known field mistyped. The connection stays open. */
    MALFORMED_MESSAGE(CloseCodes.NONE),
    /** A handshake lacks or mistypes a required field. The server closes with 1002. */
    MALFORMED_HANDSHAKE(CloseCodes.PROTOCOL_ERROR),
    /** An envelope lacks {@code type}, {@code thread_id}, {@code session_id} or {@code timestamp}, or an event
     * lacks {@code event_type}/{@code data}. Open. */
    MISSING_REQUIRED_FIELD(CloseCodes.NONE),
    /** The envelope's {@code thread_id} is not the connection's thread. Open. */
    UNKNOWN_THREAD(CloseCodes.NONE),
    /** The envelope's {@code session_id} is not the connection's current one, or no handshake happened yet. Open. */
    SESSION_EXPIRED(CloseCodes.NONE),
    /** The requested {@code ltp_version} is not accepted. The server closes with 1002. */
    UNSUPPORTED_VERSION(CloseCodes.PROTOCOL_ERROR),
    /** Too many messages. Open. */
    RATE_LIMIT_EXCEEDED(CloseCodes.NONE),
    /** {@code client_id} empty, unknown or unauthorized. The server closes with 1008. */
    INVALID_CLIENT_ID(CloseCodes.POLICY_VIOLATION),
    /** A size, depth or string-length limit (§10) was exceeded. Open. */
    MESSAGE_TOO_LARGE(CloseCodes.NONE),
    /** The message type is not handled by the receiver. Open. */
    UNKNOWN_MESSAGE_TYPE(CloseCodes.NONE),
    /** A {@code state_update} lacks {@code kind}/{@code data}, or carries non-string TOON data. Open. */
    INVALID_STATE_UPDATE(CloseCodes.NONE),

    /** Extension (§11.5): replay protection is on and the envelope has no nonce. Open. */
    MISSING_NONCE(CloseCodes.NONE),
    /** Extension (§11.5): the nonce was seen before, is malformed, too old, or names another client. Open. */
    INVALID_NONCE(CloseCodes.NONE),
    /** Extension (§11.3): signing is on and the envelope carries no signature. Open. */
    MISSING_SIGNATURE(CloseCodes.NONE),
    /** Extension (§11.3): the signature does not match. Open. */
    INVALID_SIGNATURE(CloseCodes.NONE),
    /** Extension (§11.3): the signature could not be computed (for example no secret for the client). Open. */
    SIGNATURE_VERIFICATION_ERROR(CloseCodes.NONE),
    /** Extension (§11.5): the envelope timestamp is more than the allowed drift in the past. Open. */
    MESSAGE_TOO_OLD(CloseCodes.NONE),
    /** Extension (§11.5): the envelope timestamp is too far in the future. Open. */
    INVALID_TIMESTAMP(CloseCodes.NONE);

    private static final Map<String, ErrorCode> BY_WIRE_NAME = new HashMap<>();

    static {
        for (ErrorCode code : values()) {
            BY_WIRE_NAME.put(code.name(), code);
        }
    }

    private final int closeCode;

    ErrorCode(int closeCode) {
        this.closeCode = closeCode;
    }

    /** The code as it appears in {@code payload.error_code}. */
    public String wireName() {
        return name();
    }

    /**
     * The WebSocket close code a server uses after sending this error, or {@link CloseCodes#NONE} when the
     * connection stays open (spec §6, "After" column).
     */
    public int closeCode() {
        return closeCode;
    }

    /** Whether the connection stays open after this error. */
    public boolean keepsConnectionOpen() {
        return closeCode == CloseCodes.NONE;
    }

    /** The code for a wire name, or {@code null} when the name is not one this version knows. */
    public static ErrorCode fromWire(String wireName) {
        return wireName == null ? null : BY_WIRE_NAME.get(wireName);
    }
}
