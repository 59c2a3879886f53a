package io.liminal.ltp.server.transport;

import java.util.Locale;

/** What a transport refused or cut short because of a {@link TransportLimits} bound; counted in /metrics. */
public enum TransportEvent {
    /** A connection was closed at accept: too many connections without an upgrade. */
    PENDING_LIMIT,
    /** A connection was closed at accept: too many connections without an upgrade from its address. */
    PENDING_PER_ADDRESS_LIMIT,
    /** A connection was closed: no complete HTTP request within the request timeout. */
    REQUEST_TIMEOUT,
    /** An HTTP request was refused: line, headers or body too large, malformed, or an invalid upgrade. */
    HTTP_REFUSED,
    /** An upgrade was refused: its {@code Origin} is not allowed. */
    ORIGIN_REFUSED,
    /** A frame or message declared more than the hard limit: closed 1009 at its header. */
    FRAME_TOO_BIG,
    /** A message came in more fragments than allowed: closed 1008. */
    TOO_MANY_FRAGMENTS,
    /** Unfinished inbound messages would have passed the server's buffer budget: closed 1013. */
    INBOUND_BUFFER_FULL,
    /** A WebSocket ping past the connection's allowance went unanswered. */
    CONTROL_FRAME_IGNORED,
    /** A connection kept sending WebSocket pings past its allowance: closed 1008. */
    CONTROL_FRAME_FLOOD,
    /** A peer did not read what it was sent: closed 1008 "Slow consumer". */
    SLOW_CONSUMER,
    /** A close could not complete within the close timeout: the connection was dropped. */
    FORCED_CLOSE,
    /** An sse-v1 stream reopen, post or close named a connection the server does not have: 404. */
    SSE_UNKNOWN_TOKEN,
    /** An sse-v1 connection was without an event stream for too long: it ended as dropped. */
    SSE_STREAM_TIMEOUT,
    /** An sse-v1 post came while one was already waiting for reading to resume: 429. */
    SSE_POST_BUSY;

    /** The metric tag value: lower case with underscores. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
