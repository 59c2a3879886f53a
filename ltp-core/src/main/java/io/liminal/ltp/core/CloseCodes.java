package io.liminal.ltp.core;

/**
 * WebSocket close codes and reasons that LTP gives a meaning to (spec §6).
 */
public final class CloseCodes {
    /** Marker for "the connection stays open"; not a WebSocket close code. */
    public static final int NONE = 0;
    /** Client disconnect, heartbeat timeout, superseded session, client after a permanent handshake failure. */
    public static final int NORMAL = 1000;
    /** Server shutdown or restart: clients reconnect at once and resume. Also a client application exit. */
    public static final int GOING_AWAY = 1001;
    /** After {@code MALFORMED_HANDSHAKE} or {@code UNSUPPORTED_VERSION}. */
    public static final int PROTOCOL_ERROR = 1002;
    /** No close frame was received (reported locally, never sent). */
    public static final int ABNORMAL = 1006;
    /** Invalid UTF-8 in a text frame. */
    public static final int INVALID_PAYLOAD = 1007;
    /** Capacity, unauthorized, {@code INVALID_CLIENT_ID}, rate-limit abuse. */
    public static final int POLICY_VIOLATION = 1008;
    /** A frame beyond the transport's hard size limit. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The server could not complete a request (its store or authenticator failed). */
    public static final int INTERNAL_ERROR = 1011;

    /** Reason sent with 1000 when liveness failed. */
    public static final String REASON_HEARTBEAT_TIMEOUT = "heartbeat_timeout";
    /** Reason sent with 1000 when a newer connection took over the thread; clients must not reconnect. */
    public static final String REASON_SESSION_SUPERSEDED = "session_superseded";
    /** Reason sent with 1008 right after the upgrade when the server is full. */
    public static final String REASON_SERVER_AT_CAPACITY = "Server at capacity";
    /** Reason sent with 1008 when authentication failed. */
    public static final String REASON_UNAUTHORIZED = "Unauthorized";
    /** Reason a draining server sends with 1001. */
    public static final String REASON_GOING_AWAY = "going away";
    /** Reason sent with 1011 when the server cannot go on serving a session (for example its store failed). */
    public static final String REASON_INTERNAL_ERROR = "Internal error";

    private CloseCodes() {
    }
}
