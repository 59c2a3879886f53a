package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportConnection;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One sse-v1 binding connection (docs/extensions/sse-v1.md), the engine's {@link TransportConnection} over an event
 * stream that a proxy may cut and the client reopen, and posts that may arrive on any HTTP connection.
 *
 * <p>All state is confined to the event loop that opened the connection ({@link #executor()}); a reopened stream
 * and posts read on other loops hop to it. Every event stays buffered until the client acknowledges it (the
 * {@code Last-Event-ID} of a reopened stream, or a post's {@code LTP-Last-Event-Id}), so a cut stream loses
 * nothing; those bytes are bounded like a WebSocket's unread ones ("Slow consumer").
 */
final class SseConnection implements TransportConnection {
    static final String TRANSPORT = "sse";

    private final SseBinding binding;
    private final TransportContext context;
    private final String token;
    private final byte[] idPrefix;
    private final RequestHeaders headers;
    private final SocketAddress remoteAddress;
    private final EventLoop executor;
    private final Scheduler scheduler;

    private ConnectionListener listener;
    private final ArrayDeque<Event> unacknowledged = new ArrayDeque<>();
    private long unacknowledgedBytes;
    /** The next event's number; 0 was the {@code ltp-open} event. */
    private long nextId = 1;
    private Channel stream;
    private boolean flushPending;
    /** While no stream is attached (or after the close): when the connection is given up. */
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> keepAlive;
    private boolean closeSent;
    private boolean closeNotified;
    private boolean removed;
    private int closeCode = CloseCodes.ABNORMAL;
    private String closeReason = "";
    private long lastPostSeq;
    private boolean reading = true;
    /** The one post accepted while reading is paused, handed over when it resumes. */
    private Post parked;
    /** HTTP connections that carry this connection's posts and no longer count as pending (see adopt). */
    private final Set<Channel> postChannels = new HashSet<>();

    private record Event(long id, byte[] bytes) {
    }

    /** A post's messages and how to answer it (on the post's own channel). */
    record Post(long seq, long acknowledged, List<String> messages, int[] utf8Sizes, Consumer<HttpReply> answer) {
    }

    SseConnection(SseBinding binding, TransportContext context, String token, RequestHeaders headers,
            SocketAddress remoteAddress, EventLoop executor) {
        this.binding = binding;
        this.context = context;
        this.token = token;
        this.idPrefix = ("id: " + token + ".").getBytes(StandardCharsets.US_ASCII);
        this.headers = headers;
        this.remoteAddress = remoteAddress;
        this.executor = executor;
        this.scheduler = (task, delay, unit) -> {
            ScheduledFuture<?> future = executor.schedule(task, delay, unit);
            return () -> future.cancel(false);
        };
    }

    String token() {
        return token;
    }

    /** {@link #executor()} as the event loop it is. */
    EventLoop eventLoop() {
        return executor;
    }

    /**
     * A post of this connection arrived on {@code channel}: up to {@link SseBinding#MAX_POST_CHANNELS} such HTTP
     * connections stop counting as pending (a client keeps one alive for its posts, so per-address pending limits
     * would otherwise cap the clients behind one address, as on a corporate NAT); they close with the connection.
     * Any thread.
     *
     * @return whether the channel was adopted now
     */
    boolean adopt(Channel channel) {
        synchronized (postChannels) {
            if (removed || postChannels.size() >= SseBinding.MAX_POST_CHANNELS || !postChannels.add(channel)) {
                return false;
            }
        }
        channel.closeFuture().addListener(closed -> {
            synchronized (postChannels) {
                postChannels.remove(channel);
            }
        });
        return true;
    }

    // ---- Stream ---------------------------------------------------------------------------------------------------

    /** Opens the connection on its first stream and hands it to the engine. On {@link #executor()}. */
    void open(Channel channel, HttpVersion version) {
        String open = "{\"binding\":\"" + SseBinding.CAPABILITY + "\",\"token\":\"" + token + "\",\"keepalive_ms\":"
                + context.limits().sseKeepAlive().toMillis() + ",\"max_post_bytes\":" + binding.maxPostBytes() + "}";
        startStream(channel, version, ("retry: 1000\n" + new String(idPrefix, StandardCharsets.US_ASCII)
                + "0\nevent: ltp-open\ndata: " + open + "\n\n").getBytes(StandardCharsets.US_ASCII));
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
    boolean reopen(Channel channel, HttpVersion version, long lastRead) {
        if (removed) {
            return false;
        }
        Event first = unacknowledged.peekFirst();
        long firstKept = first == null ? nextId : first.id();
        if (lastRead + 1 < firstKept || lastRead >= nextId) {
            dropped(); // acknowledged past what it now says it read, or an event never sent
            return false;
        }
        acknowledge(lastRead);
        startStream(channel, version, null);
        return true;
    }

    private void startStream(Channel channel, HttpVersion version, byte[] preamble) {
        if (stream != null) {
            endStream(); // one stream at a time: the newest wins
        }
        cancelDeadline();
        stream = channel;
        HttpResponse head = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.write(head, channel.voidPromise());
        if (preamble != null) {
            write(preamble);
        }
        for (Event event : unacknowledged) {
            write(event.bytes());
        }
        flushLater();
        if (closeSent) {
            endStream();
            return;
        }
        keepAlive = executor.scheduleAtFixedRate(this::sendKeepAlive, context.limits().sseKeepAlive().toMillis(),
                context.limits().sseKeepAlive().toMillis(), TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(closed -> executor.execute(() -> streamLost(channel)));
    }

    private static final byte[] KEEP_ALIVE_COMMENT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

    private void sendKeepAlive() {
        if (stream != null) {
            write(KEEP_ALIVE_COMMENT);
            flushLater();
        }
    }

    private void streamLost(Channel channel) {
        if (stream != channel) {
            return; // an older stream, already replaced
        }
        stream = null;
        cancelKeepAlive();
        long wait = closeSent ? context.limits().closeTimeout().toMillis()
                : context.limits().sseStreamWait().toMillis();
        armDeadline(wait, !closeSent);
    }

    /** Ends the current stream's response and closes its HTTP connection (a stream is never reused). */
    private void endStream() {
        Channel ending = stream;
        stream = null;
        cancelKeepAlive();
        flushPending = false;
        ending.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    private void write(byte[] bytes) {
        stream.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), stream.voidPromise());
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

    private void acknowledge(long through) {
        Event head;
        while ((head = unacknowledged.peekFirst()) != null && head.id() <= through) {
            unacknowledged.pollFirst();
            unacknowledgedBytes -= head.bytes().length;
        }
    }

    // ---- Posts ----------------------------------------------------------------------------------------------------

    /** A post for this connection, on {@link #executor()}: see the binding's §4 for the answers. */
    void post(Post post) {
        if (removed || closeSent) {
            post.answer().accept(SseBinding.UNKNOWN_CONNECTION);
            return;
        }
        if (post.acknowledged() >= 0 && post.acknowledged() < nextId) {
            acknowledge(post.acknowledged());
        }
        if (post.seq() < 0) {
            post.answer().accept(post.messages().isEmpty() ? SseBinding.ACCEPTED
                    : SseBinding.error(400, "LTP-Post-Seq is required with messages"));
            return;
        }
        if (post.seq() <= lastPostSeq) {
            post.answer().accept(SseBinding.ACCEPTED); // a retry of a post already handled
            return;
        }
        if (post.seq() > lastPostSeq + 1) {
            post.answer().accept(SseBinding.error(409, "expected post " + (lastPostSeq + 1)));
            return;
        }
        if (!reading) {
            if (parked != null) {
                context.record(TransportEvent.SSE_POST_BUSY);
                post.answer().accept(SseBinding.error(429, "busy: retry this post later"));
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
        post.answer().accept(SseBinding.ACCEPTED);
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
        answer.accept(SseBinding.ACCEPTED);
    }

    // ---- TransportConnection --------------------------------------------------------------------------------------

    @Override
    public void send(String text) {
        sendUtf8(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void sendUtf8(byte[] utf8) {
        if (executor.inEventLoop()) {
            sendOnExecutor(utf8);
        } else {
            executor.execute(() -> sendOnExecutor(utf8));
        }
    }

    private void sendOnExecutor(byte[] utf8) {
        if (closeSent || removed) {
            return;
        }
        byte[] event = event(nextId, null, utf8);
        if (unacknowledgedBytes + event.length > context.limits().maxOutboundBytesPerConnection()) {
            context.record(TransportEvent.SLOW_CONSUMER);
            close(CloseCodes.POLICY_VIOLATION, "Slow consumer");
            return;
        }
        append(event);
    }

    private void append(byte[] event) {
        unacknowledged.addLast(new Event(nextId++, event));
        unacknowledgedBytes += event.length;
        if (stream != null) {
            write(event);
            flushLater();
        }
    }

    /** {@code id: <token>.<n>}, an optional {@code event:} line, then the data, one {@code data:} line per line. */
    private byte[] event(long id, String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + idPrefix.length + 32);
        out.writeBytes(idPrefix);
        out.writeBytes(Long.toString(id).getBytes(StandardCharsets.US_ASCII));
        if (type != null) {
            out.writeBytes(("\nevent: " + type).getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(DATA);
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n' || data[i] == '\r') {
                out.write(data, start, i - start);
                out.writeBytes(DATA);
                if (data[i] == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        out.write(data, start, data.length - start);
        out.write('\n');
        out.write('\n');
        return out.toByteArray();
    }

    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void close(int code, String reason) {
        if (!executor.inEventLoop()) {
            executor.execute(() -> close(code, reason));
            return;
        }
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
        cancelDeadline();
        // Kept for the close timeout, so that a stream cut just before the close event gets it on reconnect.
        armDeadline(context.limits().closeTimeout().toMillis(), false);
        notifyClosed();
    }

    private void appendCloseEvent() {
        String data = "{\"code\":" + closeCode + ",\"reason\":" + SseBinding.jsonString(closeReason) + "}";
        byte[] event = event(nextId, "ltp-close", data.getBytes(StandardCharsets.UTF_8));
        append(event);
    }

    @Override
    public void setReading(boolean reading) {
        if (!executor.inEventLoop()) {
            executor.execute(() -> setReading(reading));
            return;
        }
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
        return headers.get(name);
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
        deadline = executor.schedule(() -> {
            deadline = null;
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
        List<Channel> adopted;
        synchronized (postChannels) {
            adopted = List.copyOf(postChannels);
        }
        for (Channel channel : adopted) {
            // Kept alive for posts that will not come any more; not at once, so that the answer to the post or
            // close that ended the connection, possibly on this very channel, still goes out.
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, context.limits().closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        cancelDeadline();
        cancelKeepAlive();
        unacknowledged.clear();
        unacknowledgedBytes = 0;
        if (parked != null) {
            parked.answer().accept(SseBinding.UNKNOWN_CONNECTION);
            parked = null;
        }
        binding.removed(this);
    }

    private void notifyClosed() {
        if (closeNotified || listener == null) {
            return;
        }
        closeNotified = true;
        listener.onClosed(closeCode, closeReason);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void cancelKeepAlive() {
        if (keepAlive != null) {
            keepAlive.cancel(false);
            keepAlive = null;
        }
    }
}
