package io.liminal.ltp.server.internal.sse;

/**
 * One event stream response as the HTTP stack carries it. A stream is never reused: once ended or lost, a
 * reconnect brings a new one. Called only on its session's executor; none of the calls blocks.
 */
public interface SseStream {

    /**
     * Sends the response head (200, {@link SseWire#EVENT_STREAM_TYPE}, no caching, no proxy buffering). From here
     * on the stream carries {@code session}'s events: when the HTTP stack loses it, it tells
     * {@link SseSession#streamLost} on the session's executor.
     */
    void start(SseSession session);

    /** Queues bytes of the event stream. */
    void write(byte[] bytes);

    /** Sends what was queued. */
    void flush();

    /** Sends what was queued, ends the response and closes its HTTP connection. */
    void end();
}
