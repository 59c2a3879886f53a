package io.liminal.ltp.jakarta.internal;

import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.server.internal.sse.SseSession;
import io.liminal.ltp.server.internal.sse.SseSessions;
import io.liminal.ltp.server.internal.sse.SseWire;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sse-v1 binding (docs/extensions/sse-v1.md) as an asynchronous servlet, mapped at {@link SseWire#PATH}: the
 * binding's rules are {@link SseSessions}', as on the Netty transport; here are the servlet's side of them. Bodies
 * are read and streams written without blocking, so no container thread waits on a peer; each connection's work
 * runs on its own lane of the transport's pool, like a WebSocket connection's.
 */
public final class SseServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SseServlet.class);
    /** A close's body is {@code {"code":...,"reason":...}}: a reason is at most 123 characters. */
    private static final int MAX_CLOSE_BYTES = 1024;

    private final transient Supplier<SseSessions> sessions;
    private final transient Executor pool;
    private final transient ScheduledExecutorService timers;
    private final transient AtomicLong bufferedInbound;

    /**
     * @param sessions the transport's connections, {@code null} until the server started
     * @param pool where connection lanes run
     * @param timers the transport's timers
     * @param bufferedInbound the transport's count of inbound bytes held, shared with its WebSocket connections
     */
    public SseServlet(Supplier<SseSessions> sessions, Executor pool, ScheduledExecutorService timers,
            AtomicLong bufferedInbound) {
        this.sessions = sessions;
        this.pool = pool;
        this.timers = timers;
        this.bufferedInbound = bufferedInbound;
    }

    /** GET, POST and DELETE only, as on the Netty transport (HEAD would open a stream without a body). */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        switch (request.getMethod()) {
            case "GET", "POST", "DELETE" -> super.service(request, response);
            default -> respond(response, SseWire.error(405, "use GET, POST or DELETE"));
        }
    }

    // ---- Streams --------------------------------------------------------------------------------------------------

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        SseSessions started = sessions.get();
        if (started == null) {
            respond(response, SseWire.error(503, "server not started"));
            return;
        }
        String lastEventId = request.getHeader(SseWire.LAST_EVENT_ID);
        HttpReply refusal = started.refuseStream(request.getHeader("Origin"), lastEventId != null);
        if (refusal != null) {
            respond(response, refusal);
            return;
        }
        AsyncContext async = request.startAsync();
        if (lastEventId != null) {
            ServletStream stream = new ServletStream(async, pool);
            started.reopen(lastEventId, stream, stream::refuse);
            return;
        }
        SerialExecutor lane = new SerialExecutor(pool, (thread, error) -> LOG.warn("SSE connection task failed",
                error));
        SseSession session = started.create(headersOf(request), remoteAddress(request), lane,
                (task, delay, unit) -> {
                    ScheduledFuture<?> future = timers.schedule(() -> lane.execute(task), delay, unit);
                    return () -> future.cancel(false);
                }, () -> false, SseSession.Resources.NONE);
        ServletStream stream = new ServletStream(async, lane);
        lane.execute(() -> session.open(stream));
    }

    /** The request's headers, kept for the connection's lifetime (authenticators read them at each handshake). */
    private static UnaryOperator<String> headersOf(HttpServletRequest request) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, String.join(", ", Collections.list(request.getHeaders(name))));
        }
        return headers::get;
    }

    private static InetSocketAddress remoteAddress(HttpServletRequest request) {
        // An address literal: no name lookup.
        return new InetSocketAddress(request.getRemoteAddr(), request.getRemotePort());
    }

    // ---- Posts and closes -----------------------------------------------------------------------------------------

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        SseSessions started = sessions.get();
        if (started == null) {
            refuseUnread(response, SseWire.UNKNOWN_CONNECTION);
            return;
        }
        TransportContext context = started.context();
        long declared = request.getContentLengthLong();
        if (declared < 0) {
            context.record(TransportEvent.HTTP_REFUSED);
            refuseUnread(response, SseWire.error(411, "Content-Length is required"));
            return;
        }
        if (declared > started.maxPostBytes()) {
            context.record(TransportEvent.HTTP_REFUSED);
            refuseUnread(response, SseWire.error(413, "a post carries at most " + started.maxPostBytes() + " bytes"));
            return;
        }
        if (bufferedInbound.addAndGet(declared) > context.limits().maxBufferedInboundBytes()) {
            bufferedInbound.addAndGet(-declared);
            context.record(TransportEvent.INBOUND_BUFFER_FULL);
            refuseUnread(response, SseWire.error(503, "try again later"));
            return;
        }
        readBody(request, (int) declared, body -> {
            try {
                SseSessions.PostRequest post = started.parsePost(request::getHeader, body);
                if (post.refusal() != null) {
                    respond(request.getAsyncContext(), post.refusal());
                } else {
                    AsyncContext async = request.getAsyncContext();
                    post.submit(reply -> respond(async, reply));
                }
            } finally {
                bufferedInbound.addAndGet(-declared); // the messages were copied out as text
            }
        }, () -> bufferedInbound.addAndGet(-declared));
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        SseSessions started = sessions.get();
        if (started == null) {
            refuseUnread(response, SseWire.UNKNOWN_CONNECTION);
            return;
        }
        long declared = request.getContentLengthLong();
        if (declared > MAX_CLOSE_BYTES) {
            started.context().record(TransportEvent.HTTP_REFUSED);
            refuseUnread(response, SseWire.error(413, "request body too large"));
            return;
        }
        readBody(request, (int) Math.max(0, declared), body -> {
            SseSessions.CloseRequest close = started.parseClose(request::getHeader, body);
            AsyncContext async = request.getAsyncContext();
            if (close.refusal() != null) {
                respond(async, close.refusal());
            } else {
                close.submit(reply -> respond(async, reply));
            }
        }, () -> { });
    }

    /**
     * Reads a body of {@code length} bytes without blocking, then hands it to {@code then} on a container thread;
     * {@code failed} runs instead when the peer goes away or sends more or less than it declared.
     */
    private static void readBody(HttpServletRequest request, int length, Consumer<ByteBuffer> then, Runnable failed)
            throws IOException {
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the container's read timeout bounds a slow body; an answer may wait for the engine
        if (length == 0) {
            then.accept(ByteBuffer.allocate(0));
            return;
        }
        ServletInputStream in = request.getInputStream();
        byte[] body = new byte[length];
        in.setReadListener(new ReadListener() {
            private int read;
            private boolean finished;

            @Override
            public void onDataAvailable() throws IOException {
                while (!finished && read < body.length && in.isReady()) {
                    int n = in.read(body, read, body.length - read);
                    if (n < 0) {
                        break; // the end came early: onAllDataRead refuses it
                    }
                    read += n;
                }
                if (read == body.length) {
                    done(); // all it declared: some containers only report the end when asked again
                }
            }

            @Override
            public void onAllDataRead() {
                if (read < body.length && !finished) {
                    finished = true;
                    failed.run();
                    respond(async, SseWire.error(400, "the body is shorter than its Content-Length"));
                    return;
                }
                done();
            }

            private void done() {
                if (!finished) {
                    finished = true;
                    then.accept(ByteBuffer.wrap(body));
                }
            }

            @Override
            public void onError(Throwable error) {
                if (!finished) {
                    finished = true;
                    failed.run();
                    LOG.debug("Reading an SSE post failed: {}", error.toString());
                    async.complete();
                }
            }
        });
    }

    /**
     * Refuses a request whose body was not read, and closes its connection, as the Netty transport does: what is
     * left of the body cannot be told from the next request. Said in a header, so that a client does not send its
     * next request on this connection (the container would otherwise swallow or cut the body as it sees fit, and a
     * client's next post could race the cut).
     */
    private static void refuseUnread(HttpServletResponse response, HttpReply reply) throws IOException {
        response.setHeader("Connection", "close");
        respond(response, reply);
    }

    /** Answers a request that was not made asynchronous. */
    private static void respond(HttpServletResponse response, HttpReply reply) throws IOException {
        response.setStatus(reply.status());
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        if (body.length > 0) {
            response.setContentType(reply.contentType());
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }

    /**
     * Answers an asynchronous request and completes it; any thread. The answer is at most a short error body on a
     * request the peer is waiting for: its write does not wait on the peer.
     */
    private static void respond(AsyncContext async, HttpReply reply) {
        try {
            respond((HttpServletResponse) async.getResponse(), reply);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Answering an SSE request failed: {}", e.toString());
        } finally {
            try {
                async.complete();
            } catch (RuntimeException e) {
                LOG.trace("An SSE request completed twice: {}", e.toString());
            }
        }
    }
}
