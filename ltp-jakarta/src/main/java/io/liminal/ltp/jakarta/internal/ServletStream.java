package io.liminal.ltp.jakarta.internal;

import io.liminal.ltp.server.internal.sse.SseSession;
import io.liminal.ltp.server.internal.sse.SseStream;
import io.liminal.ltp.server.internal.sse.SseWire;
import io.liminal.ltp.server.transport.HttpReply;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An sse-v1 event stream as an asynchronous servlet response, written without blocking: bytes wait here until the
 * container says the socket takes more ({@link WriteListener}), so a client that stops reading holds no thread.
 * What waits is bounded by the session (its unacknowledged events; past them "Slow consumer").
 *
 * <p>The session calls from its executor and the container's callbacks hop there; until the stream is started
 * (a reopen looks its session up first) they run elsewhere, so the output stream is also guarded by this object's
 * lock. Nothing else is called under it.
 */
final class ServletStream implements SseStream, WriteListener, AsyncListener {
    private static final Logger LOG = LoggerFactory.getLogger(ServletStream.class);

    private final AsyncContext async;
    private final HttpServletResponse response;
    private final ServletOutputStream out;
    /** Where container callbacks run: the session's executor once started. */
    private volatile Executor lane;
    private volatile SseSession session;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private boolean flushWanted;
    private boolean ending;
    private boolean done;

    /** Takes over the response of {@code async}; a container thread, before the request handler returns. */
    ServletStream(AsyncContext async, Executor lane) throws IOException {
        this.async = async;
        this.lane = lane;
        this.response = (HttpServletResponse) async.getResponse();
        this.out = response.getOutputStream();
        async.setTimeout(0); // a stream lasts as long as the connection does
        async.addListener(this);
        out.setWriteListener(this);
    }

    @Override
    public synchronized void start(SseSession owner) {
        session = owner;
        lane = owner.executor();
        response.setStatus(200);
        response.setContentType(SseWire.EVENT_STREAM_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader("Connection", "close"); // a stream is never reused
    }

    /** Answers the request with {@code reply} instead of a stream (a reopen refused). */
    void refuse(HttpReply reply) {
        synchronized (this) {
            if (done || ending) {
                return;
            }
            response.setStatus(reply.status());
            response.setContentType(reply.contentType());
            response.setHeader("Connection", "close");
            pending.add(reply.body().getBytes(StandardCharsets.UTF_8));
        }
        end();
    }

    @Override
    public synchronized void write(byte[] bytes) {
        if (!done && !ending) {
            pending.add(bytes);
        }
    }

    @Override
    public void flush() {
        synchronized (this) {
            flushWanted = true;
        }
        pump();
    }

    @Override
    public void end() {
        synchronized (this) {
            ending = true;
            flushWanted = true;
        }
        pump();
    }

    /** Writes what the socket takes now; the container calls back when it takes more. */
    private void pump() {
        if (pumpOrFinish()) {
            tellSession();
        }
    }

    /** Whether the stream is now done (finished or failed). */
    private synchronized boolean pumpOrFinish() {
        if (done) {
            return false;
        }
        try {
            while (!pending.isEmpty()) {
                if (!out.isReady()) {
                    return false;
                }
                out.write(pending.poll());
            }
            if (flushWanted) {
                if (!out.isReady()) {
                    return false;
                }
                flushWanted = false;
                out.flush();
            }
            if (ending && out.isReady()) {
                return complete();
            }
            return false;
        } catch (IOException | RuntimeException e) {
            LOG.debug("An SSE stream failed: {}", e.toString());
            return complete();
        }
    }

    private void lost() {
        boolean now;
        synchronized (this) {
            now = !done && complete();
        }
        if (now) {
            tellSession();
        }
    }

    /** Ends the response; true (it is now done). Under the lock. */
    private boolean complete() {
        done = true;
        pending.clear();
        try {
            async.complete();
        } catch (RuntimeException e) {
            LOG.trace("An SSE response completed twice: {}", e.toString()); // the container completed it first
        }
        return true;
    }

    /** The session hears of the end on its executor; it ignores a stream it ended itself or replaced. */
    private void tellSession() {
        SseSession owner = session;
        if (owner != null) {
            owner.executor().execute(() -> owner.streamLost(this));
        }
    }

    // ---- Container callbacks: they hop to the lane ------------------------------------------------------------

    @Override
    public void onWritePossible() {
        lane.execute(this::pump);
    }

    @Override
    public void onError(Throwable error) {
        lane.execute(this::lost);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        lane.execute(this::lost);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        lane.execute(this::lost);
    }

    @Override
    public void onError(AsyncEvent event) {
        lane.execute(this::lost);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not restarted
    }
}
