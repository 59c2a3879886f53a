package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.server.internal.sse.SseWire;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In front of the HTTP aggregator when the transport serves sse-v1: bounds each request's body before it is
 * buffered. An sse-v1 post may carry up to the message limit, must declare its length, and reserves it from the
 * transport's inbound budget (the one unfinished WebSocket messages share) while it is read; every other request
 * keeps the endpoints' bound. Refusals answer at once and close the connection.
 */
final class RequestBodyGate extends ChannelInboundHandlerAdapter {
    private final TransportContext context;
    private final AtomicLong inboundBudget;
    private final int maxPostBytes;
    private final int maxOtherBytes;
    /** Bytes reserved for the post being read. */
    private long reserved;
    /** Body bytes of the current request so far (requests that are not posts). */
    private long bodyBytes;
    private boolean post;
    private boolean discarding;

    RequestBodyGate(TransportContext context, AtomicLong inboundBudget, int maxPostBytes, int maxOtherBytes) {
        this.context = context;
        this.inboundBudget = inboundBudget;
        this.maxPostBytes = maxPostBytes;
        this.maxOtherBytes = maxOtherBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            release();
            discarding = false;
            bodyBytes = 0;
            post = isBindingWrite(request);
            HttpReply refusal = post ? admitPost(request) : admitOther(request);
            if (refusal != null) {
                discarding = true;
                context.record(refusal.status() == 503 ? TransportEvent.INBOUND_BUFFER_FULL
                        : TransportEvent.HTTP_REFUSED);
                HttpRouter.respond(ctx, request, refusal, false);
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            if (discarding) {
                content.release();
                return;
            }
            bodyBytes += content.content().readableBytes();
            if (!post && bodyBytes > maxOtherBytes) {
                discarding = true;
                content.release();
                context.record(TransportEvent.HTTP_REFUSED);
                HttpRouter.respond(ctx, HttpVersion.HTTP_1_1,
                        SseWire.error(413, "request body too large"), false);
                return;
            }
            ctx.fireChannelRead(msg);
            if (content instanceof LastHttpContent) {
                release(); // the aggregated post was handled synchronously (its text copied out)
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private HttpReply admitPost(HttpRequest request) {
        long declared = HttpUtil.getContentLength(request, -1L);
        if (declared < 0) {
            return HttpUtil.isTransferEncodingChunked(request) ? SseWire.error(411, "Content-Length is required")
                    : null;
        }
        if (declared > maxPostBytes) {
            return SseWire.error(413, "a post carries at most " + maxPostBytes + " bytes");
        }
        if (inboundBudget.addAndGet(declared) > context.limits().maxBufferedInboundBytes()) {
            inboundBudget.addAndGet(-declared);
            return SseWire.error(503, "try again later");
        }
        reserved = declared;
        return null;
    }

    private HttpReply admitOther(HttpRequest request) {
        long declared = HttpUtil.getContentLength(request, -1L);
        return declared > maxOtherBytes ? SseWire.error(413, "request body too large") : null;
    }

    private static boolean isBindingWrite(HttpRequest request) {
        return (HttpMethod.POST.equals(request.method()) || HttpMethod.DELETE.equals(request.method()))
                && SseBinding.isBindingPath(new QueryStringDecoder(request.uri()).path());
    }

    private void release() {
        if (reserved > 0) {
            inboundBudget.addAndGet(-reserved);
            reserved = 0;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }
}
