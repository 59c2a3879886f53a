package io.liminal.ltp.server.internal.sse;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The sse-v1 connections of one server transport, by token, and the rules for the requests that reach them
 * (docs/extensions/sse-v1.md): which connection a reopened stream, a post or a close names, and what is wrong with
 * it. The HTTP stack reads the requests and writes the answers; everything else is here. Thread-safe.
 */
public final class SseSessions {
    private static final int TOKEN_BYTES = 16;

    private final TransportContext context;
    private final ConcurrentMap<String, SseSession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    public SseSessions(TransportContext context) {
        this.context = context;
    }

    /** The largest post body: the engine's message limit. */
    public int maxPostBytes() {
        return context.maxMessageBytes();
    }

    /** The transport's context: limits and metrics. */
    public TransportContext context() {
        return context;
    }

    /** Closes every connection with {@code code} and {@code reason} (the transport is closing). */
    public void closeAll(int code, String reason) {
        for (SseSession session : sessions.values()) {
            session.close(code, reason);
        }
    }

    /** Connections kept, open or lingering after their close. */
    public int size() {
        return sessions.size();
    }

    /**
     * The refusal of a stream request ({@code 403} for an origin not allowed; {@code 503} for a new connection while
     * draining), or {@code null} when it may go on.
     */
    public HttpReply refuseStream(String origin, boolean reopening) {
        if (!context.limits().allowsOrigin(origin)) {
            context.record(TransportEvent.ORIGIN_REFUSED);
            return SseWire.ORIGIN_REFUSED;
        }
        return reopening || context.acceptingConnections() ? null : SseWire.DRAINING;
    }

    /**
     * A new connection under a fresh token; the caller opens it with {@link SseSession#open} on {@code executor}.
     *
     * @param headers the stream request's headers by name (case-insensitive), for authenticators
     * @param executor the connection's serial executor
     * @param scheduler timers that run on {@code executor}
     * @param inExecutor whether the calling thread runs {@code executor}'s tasks; always false where that cannot be
     *     told (every call then hops to the executor)
     * @param resources what the HTTP stack holds for the connection, released once it is gone
     */
    public SseSession create(UnaryOperator<String> headers, SocketAddress remoteAddress, Executor executor,
            Scheduler scheduler, BooleanSupplier inExecutor, SseSession.Resources resources) {
        String token = newToken();
        SseSession session = new SseSession(this, context, token, headers, remoteAddress, executor, scheduler,
                inExecutor, resources);
        sessions.put(token, session);
        return session;
    }

    /**
     * Reopens the stream of the connection that {@code lastEventId} names onto {@code stream}. Answers
     * {@code refuse} with {@code 404} (on the connection's executor, or at once) when there is no such connection or
     * it cannot resend from there.
     */
    public void reopen(String lastEventId, SseStream stream, Consumer<HttpReply> refuse) {
        String token = SseWire.tokenOf(lastEventId);
        SseSession session = token == null ? null : sessions.get(token);
        long lastRead = SseWire.eventNumber(lastEventId);
        if (session == null || lastRead < 0) {
            context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
            refuse.accept(SseWire.UNKNOWN_CONNECTION);
            return;
        }
        session.onExecutor(() -> {
            if (!session.reopen(stream, lastRead)) {
                context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
                refuse.accept(SseWire.UNKNOWN_CONNECTION);
            }
        });
    }

    /** A post read by the HTTP stack: its connection and messages, or the answer that refuses it. */
    public record PostRequest(SseSession session, long seq, long acknowledged, List<String> messages,
            int[] utf8Sizes, HttpReply refusal) {

        /** Hands the post to its connection, which answers {@code answer} (on its executor, or at once). */
        public void submit(Consumer<HttpReply> answer) {
            SseSession.Post post = new SseSession.Post(seq, acknowledged, messages, utf8Sizes, answer);
            session.onExecutor(() -> session.post(post));
        }

        static PostRequest refused(HttpReply refusal) {
            return new PostRequest(null, 0, 0, List.of(), new int[0], refusal);
        }
    }

    /**
     * Reads a post: the connection its {@code LTP-Token} names, its number, the event it acknowledges and its
     * messages. Does not move {@code body}'s position.
     */
    public PostRequest parsePost(UnaryOperator<String> header, ByteBuffer body) {
        SseSession session = byTokenHeader(header);
        if (session == null) {
            return PostRequest.refused(SseWire.UNKNOWN_CONNECTION);
        }
        String seqHeader = header.apply(SseWire.POST_SEQ_HEADER);
        long seq = seqHeader == null ? -1 : SseWire.positive(seqHeader);
        if (seqHeader != null && seq < 1) {
            return PostRequest.refused(SseWire.error(400, "LTP-Post-Seq must be a positive integer"));
        }
        String acknowledgedHeader = header.apply(SseWire.LAST_EVENT_HEADER);
        long acknowledged = acknowledgedHeader == null
                || !session.token().equals(SseWire.tokenOf(acknowledgedHeader))
                ? -1 : SseWire.eventNumber(acknowledgedHeader);
        List<String> messages = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        if (!SseWire.split(body, SseWire.isLines(header.apply("Content-Type")), messages, sizes)) {
            return PostRequest.refused(SseWire.NOT_UTF8);
        }
        int[] utf8Sizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        return new PostRequest(session, seq, acknowledged, messages, utf8Sizes, null);
    }

    /** A close ({@code DELETE}) read by the HTTP stack: its connection, code and reason, or the refusal. */
    public record CloseRequest(SseSession session, int code, String reason, HttpReply refusal) {

        /** Closes the connection, which answers {@code answer} (on its executor, or at once). */
        public void submit(Consumer<HttpReply> answer) {
            session.onExecutor(() -> session.closedByClient(code, reason, answer));
        }
    }

    /** Reads a close: the connection its {@code LTP-Token} names and the optional {@code {"code","reason"}} body. */
    public CloseRequest parseClose(UnaryOperator<String> header, ByteBuffer body) {
        SseSession session = byTokenHeader(header);
        if (session == null) {
            return new CloseRequest(null, 0, "", SseWire.UNKNOWN_CONNECTION);
        }
        int code = CloseCodes.NORMAL;
        String reason = "";
        String text = SseWire.decode(body.duplicate());
        if (text != null && !text.isBlank()) {
            try {
                JsonElement parsed = JsonParser.parseString(text);
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
            return new CloseRequest(null, 0, "",
                    SseWire.error(400, "code must be 1000-4999 and reason at most 123 characters"));
        }
        return new CloseRequest(session, code, reason, null);
    }

    private SseSession byTokenHeader(UnaryOperator<String> header) {
        String token = header.apply(SseWire.TOKEN_HEADER);
        SseSession session = token == null ? null : sessions.get(token);
        if (session == null) {
            context.record(TransportEvent.SSE_UNKNOWN_TOKEN);
        }
        return session;
    }

    void removed(SseSession session) {
        sessions.remove(session.token(), session);
    }

    private String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
