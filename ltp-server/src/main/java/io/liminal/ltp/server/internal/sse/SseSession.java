package io.liminal.ltp.server.internal.sse;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportConnection;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One sse-v1 binding connection (docs/extensions/sse-v1.md), the engine's {@link TransportConnection} over an event
 * stream that a proxy may cut and the client reopen, and posts that may arrive on any HTTP connection. The same on
 * every HTTP stack: what differs is the {@link SseStream} and the executor it is given.
 *
 * <p>All state is confined to the connection's serial {@link #executor()}; reopened streams and posts read on
 * other threads hop to it. Every event stays buffered until the client acknowledges it (the {@code Last-Event-ID}
 * of a reopened stream, or a post's {@code LTP-Last-Event-Id}), so a cut stream loses nothing; those bytes are
 * bounded like a WebSocket's unread ones ("Slow consumer").
 */
public final class SseSession implements TransportConnection {
    static final String TRANSPORT = "sse";
    private static final byte[] KEEP_ALIVE_COMMENT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

    private final SseSessions sessions;
    private final TransportContext context;
    private final String token;
    private final UnaryOperator<String> headers;
    private final SocketAddress remoteAddress;
    private final Executor executor;
    private final Scheduler scheduler;
    private final BooleanSupplier inExecutor;
    private final Resources resources;

    private ConnectionListener listener;
    private final SseEvents events;
    private SseStream stream;
    private boolean flushPending;
    /** While no stream is attached (or after the close): when the connection is given up. */
    private Scheduler.Cancellable deadline = Scheduler.Cancellable.NONE;
    private Scheduler.Cancellable keepAlive = Scheduler.Cancellable.NONE;
    private boolean closeSent;
    private boolean closeNotified;
    private boolean removed;
    private int closeCode = CloseCodes.ABNORMAL;
    private String closeReason = "";
    private long lastPostSeq;
    private boolean reading = true;
    /** The one post accepted while reading is paused, handed over when it resumes. */
    private Post parked;

    /** A post's messages, parsed by {@link SseSessions#parsePost}, and how to answer it. */
    record Post(long seq, long acknowledged, List<String> messages, int[] utf8Sizes, Consumer<HttpReply> answer) {
    }

    SseSession(SseSessions sessions, TransportContext context, String token, UnaryOperator<String> headers,
            SocketAddress remoteAddress, Executor executor, Scheduler scheduler, BooleanSupplier inExecutor,
            Resources resources) {
        this.sessions = sessions;
        this.context = context;
        this.token = token;
        this.events = new SseEvents(token);
        this.headers = headers;
        this.remoteAddress = remoteAddress;
        this.executor = executor;
        this.scheduler = scheduler;
        this.inExecutor = inExecutor;
        this.resources = resources;
    }

    /**
     * What the HTTP stack holds for a connection besides its streams (the Netty transport: the HTTP connections
     * that carry its posts).
     */
    public interface Resources {
        /** Nothing for the HTTP stack to release. */
        Resources NONE = () -> { };

        /** The connection is gone; on its executor, once. */
        void release();
    }

    /** What the HTTP stack holds for this connection. */
    public Resources resources() {
        return resources;
    }

    /** The connection's token (docs/extensions/sse-v1.md §2). */
    public String token() {
        return token;
    }

    /** Runs {@code task} on {@link #executor()}: at once when already there (no task, no wake-up). */
    public void onExecutor(Runnable task) {
        if (inExecutor.getAsBoolean()) {
            task.run();
        } else {
            executor.execute(task);
        }
    }

    // ---- Stream ---------------------------------------------------------------------------------------------------

    /** Opens the connection on its first stream and hands it to the engine. On {@link #executor()}. */
    public void open(SseStream first) {
        String open = "{\"binding\":\"" + SseWire.CAPABILITY + "\",\"token\":\"" + token + "\",\"keepalive_ms\":"
                + context.limits().sseKeepAlive().toMillis() + ",\"max_post_bytes\":" + sessions.maxPostBytes() + "}";
        startStream(first, events.openEvent(open));
        listener = context.accept(this);
        if (closeSent) {
            notifyClosed(); // refused at once (capacity, draining): the engine still hears of the close
            if (stream == null) {
                remove(); // and the close event went out: nothing worth keeping for a reconnect
            }
        }
    }

    /**
     * The client reopened the stream after reading event {@code lastRead}: resends what followed, then continues.
     * On {@link #executor()}; false (and the connection ends as dropped) when that position cannot be served.
     */
    public boolean reopen(SseStream next, long lastRead) {
        if (removed) {
            return false;
        }
        if (!events.canResumeAfter(lastRead)) {
            dropped(); // acknowledged past what it now says it read, or an event never sent
            return false;
        }
        events.acknowledge(lastRead);
        startStream(next, null);
        return true;
    }

    private void startStream(SseStream next, byte[] preamble) {
        if (stream != null) {
            endStream(); // one stream at a time: the newest wins
        }
        cancelDeadline();
        stream = next;
        next.start(this);
        if (preamble != null) {
            next.write(preamble);
        }
        events.forEach(next::write);
        flushLater();
        if (closeSent) {
            endStream();
            return;
        }
        scheduleKeepAlive(next);
    }

    private void scheduleKeepAlive(SseStream current) {
        long every = context.limits().sseKeepAlive().toMillis();
        keepAlive = scheduler.schedule(() -> {
            if (stream == current) {
                current.write(KEEP_ALIVE_COMMENT);
                flushLater();
                scheduleKeepAlive(current);
            }
        }, every, TimeUnit.MILLISECONDS);
    }

    /** The HTTP stack lost {@code lost} (cut by the peer or a proxy). On {@link #executor()}. */
    public void streamLost(SseStream lost) {
        if (stream != lost) {
            return; // an older stream, already replaced or ended
        }
        stream = null;
        cancelKeepAlive();
        long wait = closeSent ? context.limits().closeTimeout().toMillis()
                : context.limits().sseStreamWait().toMillis();
        armDeadline(wait, !closeSent);
    }

    /** Ends the current stream's response and closes its HTTP connection (a stream is never reused). */
    private void endStream() {
        SseStream ending = stream;
        stream = null;
        cancelKeepAlive();
        flushPending = false;
        ending.end();
    }

    /** Flushes once per batch of executor tasks, so that events posted together (a reply and its ack) share one. */
    private void flushLater() {
        if (!flushPending) {
            flushPending = true;
            executor.execute(() -> {
                if (flushPending) {
                    flushPending = false;
                    if (stream != null) {
                        stream.flush();
                    }
                }
            });
        }
    }

    // ---- Posts ----------------------------------------------------------------------------------------------------

    /** A post for this connection, on {@link #executor()}: see the binding's §4 for the answers. */
    void post(Post post) {
        if (removed || closeSent) {
            post.answer().accept(SseWire.UNKNOWN_CONNECTION);
            return;
        }
        events.acknowledge(post.acknowledged());
        if (post.seq() < 0) {
            post.answer().accept(post.messages().isEmpty() ? SseWire.ACCEPTED
                    : SseWire.error(400, "LTP-Post-Seq is required with messages"));
            return;
        }
        if (post.seq() <= lastPostSeq) {
            post.answer().accept(SseWire.ACCEPTED); // a retry of a post already handled
            return;
        }
        if (post.seq() > lastPostSeq + 1) {
            post.answer().accept(SseWire.error(409, "expected post " + (lastPostSeq + 1)));
            return;
        }
        if (!reading) {
            if (parked != null) {
                context.record(TransportEvent.SSE_POST_BUSY);
                post.answer().accept(SseWire.BUSY);
                return;
            }
            lastPostSeq = post.seq();
            parked = post;
            return;
        }
        lastPostSeq = post.seq();
        deliver(post);
    }

    private void deliver(Post post) {
        List<String> messages = post.messages();
        for (int i = 0; i < messages.size() && listener != null && !closeSent; i++) {
            listener.onText(messages.get(i), post.utf8Sizes()[i]);
        }
        post.answer().accept(SseWire.ACCEPTED);
    }

    /** The client ended the connection ({@code DELETE}), on {@link #executor()}. */
    void closedByClient(int code, String reason, Consumer<HttpReply> answer) {
        if (!closeSent && !removed) {
            closeSent = true;
            closeCode = code;
            closeReason = reason;
            appendCloseEvent();
            if (stream != null) {
                endStream();
            }
            notifyClosed();
        }
        remove();
        answer.accept(SseWire.ACCEPTED);
    }

    // ---- TransportConnection --------------------------------------------------------------------------------------

    @Override
    public void send(String text) {
        sendUtf8(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void sendUtf8(byte[] utf8) {
        onExecutor(() -> sendOnExecutor(utf8));
    }

    private void sendOnExecutor(byte[] utf8) {
        if (closeSent || removed) {
            return;
        }
        byte[] event = events.frame(null, utf8);
        if (events.bytes() + event.length > context.limits().maxOutboundBytesPerConnection()) {
            context.record(TransportEvent.SLOW_CONSUMER);
            closeOnExecutor(CloseCodes.POLICY_VIOLATION, "Slow consumer");
            return;
        }
        append(event);
    }

    private void append(byte[] event) {
        events.keep(event);
        if (stream != null) {
            stream.write(event);
            flushLater();
        }
    }

    @Override
    public void close(int code, String reason) {
        onExecutor(() -> closeOnExecutor(code, reason));
    }

    private void closeOnExecutor(int code, String reason) {
        if (closeSent || removed) {
            return;
        }
        closeSent = true;
        closeCode = code;
        closeReason = reason == null ? "" : reason;
        appendCloseEvent();
        if (stream != null) {
            endStream();
        }
        // Kept for the close timeout, so that a stream cut just before the close event gets it on reconnect.
        armDeadline(context.limits().closeTimeout().toMillis(), false);
        notifyClosed();
    }

    private void appendCloseEvent() {
        String data = "{\"code\":" + closeCode + ",\"reason\":" + SseWire.jsonString(closeReason) + "}";
        append(events.frame("ltp-close", data.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void setReading(boolean reading) {
        onExecutor(() -> setReadingOnExecutor(reading));
    }

    private void setReadingOnExecutor(boolean reading) {
        this.reading = reading;
        if (reading && parked != null) {
            Post post = parked;
            parked = null;
            deliver(post);
        }
    }

    @Override
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String subprotocol() {
        return null;
    }

    @Override
    public String requestHeader(String name) {
        return headers.apply(name);
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public String transportName() {
        return TRANSPORT;
    }

    // ---- End ------------------------------------------------------------------------------------------------------

    private void armDeadline(long millis, boolean streamTimeout) {
        cancelDeadline();
        deadline = scheduler.schedule(() -> {
            deadline = Scheduler.Cancellable.NONE;
            if (streamTimeout && !closeSent) {
                context.record(TransportEvent.SSE_STREAM_TIMEOUT);
            }
            dropped();
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Gone without a close: for the engine, as a WebSocket that dropped without a close frame (1006). */
    private void dropped() {
        if (stream != null) {
            endStream();
        }
        remove();
        notifyClosed();
    }

    private void remove() {
        if (removed) {
            return;
        }
        removed = true;
        cancelDeadline();
        cancelKeepAlive();
        events.clear();
        if (parked != null) {
            parked.answer().accept(SseWire.UNKNOWN_CONNECTION);
            parked = null;
        }
        sessions.removed(this);
        resources.release();
    }

    private void notifyClosed() {
        if (closeNotified || listener == null) {
            return;
        }
        closeNotified = true;
        listener.onClosed(closeCode, closeReason);
    }

    private void cancelDeadline() {
        deadline.cancel();
        deadline = Scheduler.Cancellable.NONE;
    }

    private void cancelKeepAlive() {
        keepAlive.cancel();
        keepAlive = Scheduler.Cancellable.NONE;
    }
}
