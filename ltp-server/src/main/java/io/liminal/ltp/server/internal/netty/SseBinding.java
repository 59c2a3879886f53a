package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.server.internal.sse.SseSession;
import io.liminal.ltp.server.internal.sse.SseSessions;
import io.liminal.ltp.server.internal.sse.SseStream;
import io.liminal.ltp.server.internal.sse.SseWire;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The sse-v1 binding on Netty (docs/extensions/sse-v1.md): opens and reopens event streams, hands posts to their
 * connection, and keeps each connection on the event loop that opened it. The binding's rules are
 * {@link SseSessions}'; what is Netty's here is the HTTP side, and moving the HTTP connections that carry a
 * connection's posts onto its event loop. One per transport, shared by its event loops.
 */
final class SseBinding {
    /** The HTTP handlers of a channel (NettyTransport's names) that a stream no longer needs once its head is out. */
    private static final String[] HTTP_HANDLERS = {"http-aggregator", "http-body-gate", "http-codec"};
    /** HTTP connections per binding connection that carry posts without counting as pending. */
    static final int MAX_POST_CHANNELS = 4;

    private final TransportContext context;
    private final SseSessions sessions;

    SseBinding(TransportContext context) {
        this.context = context;
        this.sessions = new SseSessions(context);
    }

    /** The largest post body: the engine's message limit. */
    int maxPostBytes() {
        return sessions.maxPostBytes();
    }

    /** Whether a request's path is the binding's (its query, if any, already removed). */
    static boolean isBindingPath(String path) {
        return SseWire.PATH.equals(path);
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
            HttpRouter.respond(ctx, request, SseWire.error(405, "use GET, POST or DELETE"));
        }
    }

    /** Connections kept, open or lingering after their close. */
    int connections() {
        return sessions.size();
    }

    // ---- Streams --------------------------------------------------------------------------------------------------

    private void stream(ChannelHandlerContext ctx, FullHttpRequest request) {
        String lastEventId = request.headers().get(SseWire.LAST_EVENT_ID);
        HttpVersion version = request.protocolVersion();
        HttpReply refusal = sessions.refuseStream(request.headers().get(HttpHeaderNames.ORIGIN), lastEventId != null);
        if (refusal != null) {
            HttpRouter.respond(ctx, request, refusal, refusal.status() != 403);
            return;
        }
        if (lastEventId != null) {
            becomeStream(ctx);
            NettyStream stream = new NettyStream(ctx.channel(), version);
            sessions.reopen(lastEventId, stream, unknown -> ctx.executor().execute(
                    () -> HttpRouter.respond(ctx, version, unknown, false)));
            return;
        }
        EventLoop loop = ctx.channel().eventLoop();
        RequestHeaders headers = RequestHeaders.of(request.headers());
        SseSession session = sessions.create(headers::get, ctx.channel().remoteAddress(), loop,
                (task, delay, unit) -> {
                    ScheduledFuture<?> future = loop.schedule(task, delay, unit);
                    return () -> future.cancel(false);
                }, loop::inEventLoop, new PostChannels(loop, context));
        becomeStream(ctx);
        session.open(new NettyStream(ctx.channel(), version));
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

    /**
     * An event stream: a chunked response on its own channel, which closes when the stream ends. Once the head is
     * out the channel's HTTP handlers are removed and events go out as chunks framed here, one buffer each: a stream
     * reads nothing more, and the encoder's framing cost three buffers and a copy per event.
     */
    private static final class NettyStream implements SseStream {
        private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final short CRLF = ('\r' << 8) | '\n';
        private final Channel channel;
        private final HttpVersion version;

        NettyStream(Channel channel, HttpVersion version) {
            this.channel = channel;
            this.version = version;
        }

        @Override
        public void start(SseSession session) {
            channel.closeFuture().addListener(closed -> session.executor().execute(() -> session.streamLost(this)));
            HttpResponse head = new DefaultHttpResponse(version, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, SseWire.EVENT_STREAM_TYPE)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .set("X-Accel-Buffering", "no");
            HttpUtil.setTransferEncodingChunked(head, true);
            // On the channel's loop, so that no write queued after it from the session's thread can pass it.
            Runnable writeHead = () -> {
                channel.write(head, channel.voidPromise());
                ChannelPipeline pipeline = channel.pipeline();
                for (String name : HTTP_HANDLERS) {
                    if (pipeline.get(name) != null) {
                        pipeline.remove(name);
                    }
                }
            };
            if (channel.eventLoop().inEventLoop()) {
                writeHead.run();
            } else {
                channel.eventLoop().execute(writeHead);
            }
        }

        @Override
        public void write(byte[] bytes) {
            String size = Integer.toHexString(bytes.length);
            ByteBuf chunk = channel.alloc().directBuffer(size.length() + bytes.length + 4);
            chunk.writeCharSequence(size, StandardCharsets.US_ASCII);
            chunk.writeShort(CRLF).writeBytes(bytes).writeShort(CRLF);
            channel.write(chunk, channel.voidPromise());
        }

        @Override
        public void flush() {
            channel.flush();
        }

        @Override
        public void end() {
            channel.writeAndFlush(Unpooled.wrappedBuffer(LAST_CHUNK)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // ---- Posts ----------------------------------------------------------------------------------------------------

    private void post(ChannelHandlerContext ctx, FullHttpRequest request) {
        SseSessions.PostRequest post = sessions.parsePost(headersOf(request), request.content().nioBuffer());
        if (post.refusal() != null) {
            HttpRouter.respond(ctx, request, post.refusal());
            return;
        }
        PostChannels channels = (PostChannels) post.session().resources();
        boolean adopted = channels.adopt(ctx.channel());
        if (adopted) {
            Admission admission = ctx.pipeline().get(Admission.class);
            if (admission != null) {
                admission.upgraded(ctx);
            }
        }
        Answer answer = new Answer(ctx, request, adopted ? channels.loop : null);
        post.submit(answer);
        answer.dispatched();
    }

    private void delete(ChannelHandlerContext ctx, FullHttpRequest request) {
        SseSessions.CloseRequest close = sessions.parseClose(headersOf(request), request.content().nioBuffer());
        if (close.refusal() != null) {
            HttpRouter.respond(ctx, request, close.refusal());
            return;
        }
        Answer answer = new Answer(ctx, request, null);
        close.submit(answer);
        answer.dispatched();
    }

    private static UnaryOperator<String> headersOf(FullHttpRequest request) {
        return name -> request.headers().get(name);
    }

    /**
     * The HTTP connections that carry a binding connection's posts. Up to {@link #MAX_POST_CHANNELS} stop counting
     * as pending (a client keeps one alive for its posts, so per-address pending limits would otherwise cap the
     * clients behind one address, as on a corporate NAT), move to the connection's event loop, and close with it.
     */
    private static final class PostChannels implements SseSession.Resources {
        final EventLoop loop;
        private final TransportContext context;
        private final Set<Channel> channels = new HashSet<>();
        private boolean released;

        PostChannels(EventLoop loop, TransportContext context) {
            this.loop = loop;
            this.context = context;
        }

        /** Whether {@code channel} was adopted now. Any thread. */
        boolean adopt(Channel channel) {
            synchronized (channels) {
                if (released || channels.size() >= MAX_POST_CHANNELS || !channels.add(channel)) {
                    return false;
                }
            }
            channel.closeFuture().addListener(closed -> {
                synchronized (channels) {
                    channels.remove(channel);
                }
            });
            return true;
        }

        @Override
        public void release() {
            List<Channel> adopted;
            synchronized (channels) {
                released = true;
                adopted = List.copyOf(channels);
            }
            for (Channel channel : adopted) {
                // Kept alive for posts that will not come any more; not at once, so that the answer to the post or
                // close that ended the connection, possibly on this very channel, still goes out.
                channel.eventLoop().schedule(() -> {
                    channel.close();
                }, context.limits().closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
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
}
