package io.liminal.ltp.server.internal.netty;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * The sse-v1 binding's HTTP side (docs/extensions/sse-v1.md): opens and reopens event streams, hands posts to
 * their connection, and keeps the connections by token. One per transport, shared by its event loops.
 */
final class SseBinding {
    static final String PATH = "/ltp/sse";
    static final String CAPABILITY = "sse-v1";
    static final String TOKEN_HEADER = "LTP-Token";
    static final String POST_SEQ_HEADER = "LTP-Post-Seq";
    static final String LAST_EVENT_HEADER = "LTP-Last-Event-Id";
    static final HttpReply ACCEPTED = new HttpReply(204, "application/json", "");
    static final HttpReply UNKNOWN_CONNECTION = error(404, "unknown connection");
    /** HTTP connections per binding connection that carry posts without counting as pending. */
    static final int MAX_POST_CHANNELS = 4;
    private static final int TOKEN_BYTES = 16;
    /** base64url of 16 bytes, without padding. */
    private static final int TOKEN_CHARS = 22;

    private final TransportContext context;
    private final ConcurrentMap<String, SseConnection> connections = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    SseBinding(TransportContext context) {
        this.context = context;
    }

    /** The largest post body: the engine's message limit. */
    int maxPostBytes() {
        return context.maxMessageBytes();
    }

    /** Whether a request's path is the binding's (its query, if any, already removed). */
    static boolean isBindingPath(String path) {
        return PATH.equals(path);
    }

    /** Answers a request for the binding's path, on the request channel's event loop; owns {@code request}. */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpMethod method = request.method();
        if (HttpMethod.GET.equals(method)) {
            stream(ctx, request);
        } else if (HttpMethod.POST.equals(method)) {
            post(ctx, request);
        } else if (HttpMethod.DELETE.equals(method)) {
            delete(ctx, request);
        } else {
            HttpRouter.respond(ctx, request, error(405, "use GET, POST or DELETE"));
        }
    }

    // ---- Streams --------------------------------------------------------------------------------------------------

    private void stream(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!context.limits().allowsOrigin(request.headers().get(HttpHeaderNames.ORIGIN))) {
            context.record(TransportEvent.ORIGIN_REFUSED);
            HttpRouter.respond(ctx, request, error(403, "origin not allowed"), false);
            return;
        }
        String lastEventId = request.headers().get("Last-Event-ID");
        HttpVersion version = request.protocolVersion();
        if (lastEventId != null) {
            SseConnection connection = connectionOf(lastEventId);
            long lastRead = eventNumber(lastEventId);
            if (connection == null || lastRead < 0) {
                context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
                HttpRouter.respond(ctx, request, UNKNOWN_CONNECTION, false);
                return;
            }
            becomeStream(ctx);
            connection.executor().execute(() -> {
                if (!connection.reopen(ctx.channel(), version, lastRead)) {
                    context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
                    ctx.executor().execute(() -> HttpRouter.respond(ctx, version, UNKNOWN_CONNECTION, false));
                }
            });
            return;
        }
        if (!context.acceptingConnections()) {
            HttpRouter.respond(ctx, request, error(503, "draining"));
            return;
        }
        String token = newToken();
        SseConnection connection = new SseConnection(this, context, token, RequestHeaders.of(request.headers()),
                ctx.channel().remoteAddress(), ctx.channel().eventLoop());
        connections.put(token, connection);
        becomeStream(ctx);
        connection.open(ctx.channel(), version);
    }

    /** The channel carries one event stream from here on: no request timeout, and nothing more is read from it. */
    private static void becomeStream(ChannelHandlerContext ctx) {
        Admission admission = ctx.pipeline().get(Admission.class);
        if (admission != null) {
            admission.upgraded(ctx);
        }
        ctx.pipeline().replace(ctx.handler(), "ltp-sse-stream", new StreamSink());
    }

    /** What a stream's client sends after its request is dropped: a stream is a response, not a conversation. */
    private static final class StreamSink extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    // ---- Posts ----------------------------------------------------------------------------------------------------

    private void post(ChannelHandlerContext ctx, FullHttpRequest request) {
        SseConnection connection = connections.get(String.valueOf(request.headers().get(TOKEN_HEADER)));
        if (connection == null) {
            context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
            HttpRouter.respond(ctx, request, UNKNOWN_CONNECTION);
            return;
        }
        String seqHeader = request.headers().get(POST_SEQ_HEADER);
        long seq = seqHeader == null ? -1 : positive(seqHeader);
        if (seqHeader != null) {
            if (seq < 1) {
                HttpRouter.respond(ctx, request, error(400, "LTP-Post-Seq must be a positive integer"));
                return;
            }
        }
        String acknowledgedHeader = request.headers().get(LAST_EVENT_HEADER);
        long acknowledged = acknowledgedHeader == null || !connection.token().equals(tokenOf(acknowledgedHeader))
                ? -1 : eventNumber(acknowledgedHeader);
        boolean lines = contentType(request).equals("application/x-ndjson");
        List<String> messages = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        if (!split(request.content(), lines, messages, sizes)) {
            HttpRouter.respond(ctx, request, error(400, "the body is not valid UTF-8"));
            return;
        }
        int[] utf8Sizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        boolean adopted = connection.adopt(ctx.channel());
        if (adopted) {
            Admission admission = ctx.pipeline().get(Admission.class);
            if (admission != null) {
                admission.upgraded(ctx);
            }
        }
        Answer answer = new Answer(ctx, request, adopted ? connection.eventLoop() : null);
        SseConnection.Post post = new SseConnection.Post(seq, acknowledged, messages, utf8Sizes, answer);
        onExecutorOf(connection, () -> connection.post(post));
        answer.dispatched();
    }

    /**
     * Answers one post or close on the request's own channel, once its connection handled it. Reading from the
     * channel pauses while an answer is pending, so answers stay in request order; an answer given at once (the
     * connection runs on this event loop) costs no pause. All on the channel's event loop.
     */
    private static final class Answer implements Consumer<HttpReply> {
        private final ChannelHandlerContext ctx;
        private final HttpVersion version;
        private final boolean keepAlive;
        /** The event loop the channel moves to once answered, or {@code null}: see {@link #moveTo}. */
        private final EventLoop moveTo;
        private boolean answered;
        private boolean paused;

        Answer(ChannelHandlerContext ctx, FullHttpRequest request, EventLoop moveTo) {
            this.ctx = ctx;
            this.version = request.protocolVersion();
            this.keepAlive = HttpUtil.isKeepAlive(request);
            this.moveTo = moveTo;
        }

        @Override
        public void accept(HttpReply reply) {
            if (ctx.executor().inEventLoop()) {
                respond(reply);
            } else {
                ctx.executor().execute(() -> respond(reply));
            }
        }

        /** The request was handed over: reading pauses until the answer, unless it was given already. */
        void dispatched() {
            if (!answered) {
                paused = true;
                ctx.channel().config().setAutoRead(false);
            }
        }

        private void respond(HttpReply reply) {
            answered = true;
            HttpRouter.respond(ctx, version, reply, keepAlive);
            Channel channel = ctx.channel();
            if (moveTo != null && moveTo != channel.eventLoop() && keepAlive && channel.isActive()) {
                moveTo(channel);
            } else if (paused) {
                paused = false;
                channel.config().setAutoRead(true);
            }
        }

        /**
         * Moves an adopted post channel to its connection's event loop, so that its later posts reach the
         * connection without a hand-off between threads. Reading resumes there (re-registration reads when
         * auto-read is on).
         */
        private void moveTo(Channel channel) {
            if (paused) {
                paused = false;
                channel.config().setAutoRead(true); // takes effect once registered on the new loop
            }
            channel.deregister().addListener(out -> {
                if (!out.isSuccess()) {
                    channel.close();
                    return;
                }
                moveTo.register(channel).addListener(in -> {
                    if (!in.isSuccess()) {
                        channel.close();
                    }
                });
            });
        }
    }

    /** Runs {@code task} on the connection's executor: at once when already there (no task, no wake-up). */
    private static void onExecutorOf(SseConnection connection, Runnable task) {
        if (connection.eventLoop().inEventLoop()) {
            task.run();
        } else {
            connection.eventLoop().execute(task);
        }
    }

    /** The body's messages: the whole body, or one per non-empty line; false when it is not valid UTF-8. */
    private static boolean split(ByteBuf body, boolean lines, List<String> messages, List<Integer> sizes) {
        int end = body.writerIndex();
        int start = body.readerIndex();
        while (start < end) {
            int lineEnd = lines ? body.indexOf(start, end, (byte) '\n') : -1;
            int stop = lineEnd < 0 ? end : lineEnd;
            int length = stop - start;
            if (length > 0 && body.getByte(stop - 1) == '\r') {
                length--;
            }
            ByteBuf message = body.slice(start, length);
            if (!isBlank(message)) {
                String text = Utf8Text.decode(message);
                if (text == null) {
                    return false;
                }
                messages.add(text);
                sizes.add(length);
            }
            start = stop + 1;
        }
        return true;
    }

    private static boolean isBlank(ByteBuf bytes) {
        for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
            byte b = bytes.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private static String contentType(FullHttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null) {
            return "";
        }
        int parameters = type.indexOf(';');
        return (parameters < 0 ? type : type.substring(0, parameters)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- Close ----------------------------------------------------------------------------------------------------

    private void delete(ChannelHandlerContext ctx, FullHttpRequest request) {
        SseConnection connection = connections.get(String.valueOf(request.headers().get(TOKEN_HEADER)));
        if (connection == null) {
            context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
            HttpRouter.respond(ctx, request, UNKNOWN_CONNECTION);
            return;
        }
        int code = CloseCodes.NORMAL;
        String reason = "";
        String body = Utf8Text.decode(request.content());
        if (body != null && !body.isBlank()) {
            try {
                JsonElement parsed = JsonParser.parseString(body);
                if (parsed instanceof JsonObject object) {
                    if (object.get("code") instanceof JsonPrimitive value && value.isNumber()) {
                        code = value.getAsInt();
                    }
                    if (object.get("reason") instanceof JsonPrimitive value && value.isString()) {
                        reason = value.getAsString();
                    }
                }
            } catch (JsonParseException | NumberFormatException e) {
                // a close without a readable code is a normal close
            }
        }
        if (code < 1000 || code > 4999 || reason.length() > 123) {
            HttpRouter.respond(ctx, request, error(400, "code must be 1000-4999 and reason at most 123 characters"));
            return;
        }
        int closeCode = code;
        String closeReason = reason;
        Answer answer = new Answer(ctx, request, null);
        onExecutorOf(connection, () -> connection.closedByClient(closeCode, closeReason, answer));
        answer.dispatched();
    }

    // ---- Connections ----------------------------------------------------------------------------------------------

    void removed(SseConnection connection) {
        connections.remove(connection.token(), connection);
    }

    /** Connections kept, open or lingering after their close. */
    int connections() {
        return connections.size();
    }

    private String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private SseConnection connectionOf(String eventId) {
        String token = tokenOf(eventId);
        return token == null ? null : connections.get(token);
    }

    /** The token part of {@code <token>.<n>}, or {@code null} when the id is not of that form. */
    static String tokenOf(String eventId) {
        int dot = eventId.indexOf('.');
        return dot == TOKEN_CHARS ? eventId.substring(0, dot) : null;
    }

    /** The number part of {@code <token>.<n>}, or -1. */
    static long eventNumber(String eventId) {
        int dot = eventId.indexOf('.');
        return dot == TOKEN_CHARS ? nonNegative(eventId.substring(dot + 1)) : -1;
    }

    private static long nonNegative(String digits) {
        if (digits.isEmpty() || digits.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static long positive(String digits) {
        long value = nonNegative(digits.trim());
        return value > 0 ? value : -1;
    }

    static HttpReply error(int status, String message) {
        return new HttpReply(status, "application/json", "{\"error\":" + jsonString(message) + "}");
    }

    /** {@code text} as a JSON string literal. */
    static String jsonString(String text) {
        return new JsonPrimitive(text).toString();
    }
}
