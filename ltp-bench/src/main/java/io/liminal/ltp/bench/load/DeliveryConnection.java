package io.liminal.ltp.bench.load;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * One socket of a {@link DeliverySessions.Session}: WebSocket upgrade, handshake, then frames for the session (an
 * ack per read burst); and the little JSON reading the sessions need.
 */
final class DeliveryConnection extends ChannelInboundHandlerAdapter {
    private final DeliverySessions.Session session;
    private final WebSocketClientHandshaker handshaker;
    private boolean upgraded;
    private boolean acked;

    DeliveryConnection(DeliverySessions.Session session, WebSocketClientHandshaker handshaker) {
        this.session = session;
        this.handshaker = handshaker;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshaker.handshake(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!upgraded) {
                handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                upgraded = true;
                ctx.writeAndFlush(new TextWebSocketFrame(session.hello()), ctx.voidPromise());
                return;
            }
            if (msg instanceof TextWebSocketFrame frame) {
                String text = frame.content().toString(StandardCharsets.UTF_8);
                if (acked) {
                    session.onMessage(text);
                } else {
                    acked = true;
                    session.onHandshakeAnswer(ctx.channel(), text);
                }
            } else if (msg instanceof CloseWebSocketFrame) {
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (acked && session.channel == ctx.channel()) {
            session.flushAck();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.onClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }


    /** The value of the first {@code "name":"..."} in a JSON text (ids have no escapes). */
    static String stringMember(String text, String name) {
        String key = "\"" + name + "\":\"";
        int at = text.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length();
        return text.substring(start, text.indexOf('"', start));
    }

    /** The value of the first {@code "name":123} in a JSON text; -1 when absent. */
    static long numberMember(String text, String name) {
        String key = "\"" + name + "\":";
        int at = text.indexOf(key);
        if (at < 0) {
            return -1;
        }
        long value = 0;
        int i = at + key.length();
        if (i >= text.length() || !Character.isDigit(text.charAt(i))) {
            return -1;
        }
        for (; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }
}
