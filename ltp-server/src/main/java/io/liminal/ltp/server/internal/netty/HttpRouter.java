package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every connection: answers HTTP endpoint requests, and turns WebSocket upgrades into LTP
 * connections. The subprotocol is chosen by LTP's rule (ltp.v0.3 if offered, else ltp.v0.2, else none, A-1),
 * not by the client's order as Netty's handshaker would.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpRouter.class);

    private final TransportContext context;
    private final boolean tls;
    private final boolean endpointsOnly;
    private final WebSocketDecoderConfig decoderConfig;
    private final AtomicLong inboundBudget;
    /** The sse-v1 binding, or {@code null} when the transport does not serve it. */
    private final SseBinding sse;

    /**
     * @param endpointsOnly whether this is the separate HTTP endpoints port (no upgrades)
     * @param inboundBudget bytes of unfinished inbound messages reserved by the transport's connections
     */
    HttpRouter(TransportContext context, boolean tls, boolean endpointsOnly, WebSocketDecoderConfig decoderConfig,
            AtomicLong inboundBudget, SseBinding sse) {
        this.context = context;
        this.sse = endpointsOnly ? null : sse;
        this.tls = tls;
        this.endpointsOnly = endpointsOnly;
        this.decoderConfig = decoderConfig;
        this.inboundBudget = inboundBudget;
    }

    /**
     * The WebSocket decoder's settings for every connection of a transport (immutable, shared). The frame gate in
     * front of it never passes a frame over the message limit, so the decoder never buffers more than that.
     */
    static WebSocketDecoderConfig decoderConfig(TransportContext context) {
        return WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(context.maxMessageBytes())
                .allowExtensions(false)
                .withUTF8Validator(false)
                .closeOnProtocolViolation(true)
                .build();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            int status = cause instanceof TooLongHttpHeaderException ? 431
                    : cause instanceof TooLongHttpLineException ? 414 : 400;
            refuse(ctx, request, status, status == 431 ? "request headers too large"
                    : status == 414 ? "request line too long" : "bad request");
            return;
        }
        if (!endpointsOnly && isWebSocketUpgrade(request)) {
            upgrade(ctx, request);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (sse != null && SseBinding.isBindingPath(path)) {
            sse.handle(ctx, request);
            return;
        }
        if (!endpointsOnly && context.httpBindAddress() != null && context.limits().separateEndpoints()
                && (path.equals("/metrics") || path.startsWith("/admin"))) {
            respond(ctx, request, NOT_FOUND); // served on the HTTP endpoints port only
            return;
        }
        CompletableFuture<HttpReply> reply = context.http(request.method().name(), path,
                request.headers().get(HttpHeaderNames.AUTHORIZATION),
                request.content().isReadable() ? request.content().toString(StandardCharsets.UTF_8) : "");
        if (reply.isDone()) {
            respond(ctx, request, reply.getNow(null));
            return;
        }
        // Answered later (an admin push waits for the cluster): no further request is read meanwhile, so answers
        // stay in request order; the connection closes after it.
        ctx.channel().config().setAutoRead(false);
        FullHttpRequest head = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers().copy(), request.trailingHeaders().copy());
        reply.whenComplete((answer, error) -> ctx.executor().execute(() -> respond(ctx, head, error == null
                ? answer : new HttpReply(500, "application/json", "{\"error\":\"internal error\"}"), false)));
    }

    /** Refuses a request that breaks HTTP or the upgrade rules: the error, then close. */
    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, int status, String error) {
        context.record(TransportEvent.HTTP_REFUSED);
        respond(ctx, request, new HttpReply(status, "application/json", "{\"error\":\"" + error + "\"}"), false);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!context.acceptingConnections()) {
            respond(ctx, request, new HttpReply(503, "application/json", "{\"error\":\"draining\"}"));
            return;
        }
        String key = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || key.isBlank()) {
            refuse(ctx, request, 400, "missing Sec-WebSocket-Key");
            return;
        }
        if (!context.limits().allowsOrigin(request.headers().get(HttpHeaderNames.ORIGIN))) {
            context.record(TransportEvent.ORIGIN_REFUSED);
            respond(ctx, request, new HttpReply(403, "application/json", "{\"error\":\"origin not allowed\"}"),
                    false);
            return;
        }
        String selected = LtpVersions.selectSubprotocol(offeredSubprotocols(request)).orElse(null);
        String url = (tls ? "wss://" : "ws://") + request.headers().get(HttpHeaderNames.HOST) + request.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, selected, decoderConfig)
                .newHandshaker(request);
        if (handshaker == null) {
            context.record(TransportEvent.HTTP_REFUSED);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        WebSocketConnection connection = new WebSocketConnection(context, handshaker, selected,
                RequestHeaders.of(request.headers()), ctx.channel());
        Admission admission = ctx.pipeline().get(Admission.class);
        if (admission != null) {
            admission.upgraded(ctx);
        }
        // UTF-8 is validated by the connection while it decodes each text message (Utf8Text), not per frame.
        ctx.pipeline().replace(this, "ltp-ws", connection);
        ChannelFuture upgraded = handshaker.handshake(ctx.channel(), request);
        // The handshaker has put its frame decoder in place; the gate goes in front of it, before any frame.
        ChannelHandlerContext decoder = ctx.pipeline().context(WebSocketFrameDecoder.class);
        if (decoder != null) {
            ctx.pipeline().addBefore(decoder.name(), "ltp-frame-gate", new FrameGate(context, inboundBudget));
        }
        upgraded.addListener(future -> {
            if (future.isSuccess()) {
                connection.upgraded();
            } else {
                LOG.debug("WebSocket upgrade failed: {}", future.cause().toString());
                ctx.close();
            }
        });
    }

    /** Every offered subprotocol: the header may be repeated (RFC 6455 §4.1) as well as hold a list. */
    private static List<String> offeredSubprotocols(FullHttpRequest request) {
        List<String> values = request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (values.size() == 1) {
            return LtpVersions.parseSubprotocolHeader(values.get(0));
        }
        List<String> offered = new ArrayList<>();
        for (String value : values) {
            offered.addAll(LtpVersions.parseSubprotocolHeader(value));
        }
        return offered;
    }

    private static boolean isWebSocketUpgrade(FullHttpRequest request) {
        return HttpMethod.GET.equals(request.method())
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(request.headers().get(HttpHeaderNames.UPGRADE));
    }

    /** How long a closing connection may still send what it was sending (see lingeringClose). */
    private static final long LINGER_MILLIS = 1_000;
    private static final HttpReply NOT_FOUND = new HttpReply(404, "application/json", "{\"error\":\"not found\"}");

    /** Headers of the answers below: names and values are this server's own, so Netty's checks are skipped. */
    private static final HttpHeadersFactory OWN_HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);
    private static final HttpHeadersFactory OWN_TRAILERS = DefaultHttpHeadersFactory.trailersFactory()
            .withValidation(false);

    static void respond(ChannelHandlerContext ctx, HttpRequest request, HttpReply reply) {
        respond(ctx, request, reply, true);
    }

    static void respond(ChannelHandlerContext ctx, HttpRequest request, HttpReply reply, boolean mayKeepAlive) {
        respond(ctx, request.protocolVersion(), reply, mayKeepAlive && HttpUtil.isKeepAlive(request));
    }

    /** Writes a complete answer; the connection stays open for the next request only if {@code mayKeepAlive}. */
    static void respond(ChannelHandlerContext ctx, HttpVersion version, HttpReply reply, boolean mayKeepAlive) {
        ByteBuf body = reply.body().isEmpty() ? Unpooled.EMPTY_BUFFER
                : Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(version,
                HttpResponseStatus.valueOf(reply.status()), body, OWN_HEADERS, OWN_TRAILERS);
        if (!reply.body().isEmpty()) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        if (reply.status() != 204) { // a 204 has no body, and no length either (RFC 9110 §8.6)
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        }
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        boolean keepAlive = mayKeepAlive && reply.status() < 500;
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
            Admission admission = ctx.pipeline().get(Admission.class);
            if (admission != null) {
                admission.requestServed(ctx);
            }
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(future -> lingeringClose(ctx));
        }
    }

    /**
     * Closes after a final response without losing it: a close while the client's request is still arriving (a
     * refused oversized one) would reset the connection, and a reset can discard the response before the client
     * reads it. So the server stops writing, reads and drops what still comes for at most a second, then closes.
     */
    private static void lingeringClose(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
            ctx.close();
            return;
        }
        duplex.shutdownOutput().addListener(done -> {
            ctx.channel().config().setAutoRead(true);
            ScheduledFuture<?> linger = ctx.executor().schedule(() -> {
                ctx.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            ctx.channel().closeFuture().addListener(closed -> linger.cancel(false));
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

}
