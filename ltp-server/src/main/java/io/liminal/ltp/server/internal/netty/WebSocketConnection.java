package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.internal.limit.TokenBucket;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.TransportConnection;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One upgraded WebSocket connection: reassembles messages, answers WebSocket pings, runs the close handshake, and
 * is the engine's {@link TransportConnection}. All state is confined to the channel's event loop.
 *
 * <p>Messages up to the engine's limit are buffered; larger ones are discarded as they stream in and only counted
 * (the engine answers {@code MESSAGE_TOO_LARGE} and the connection stays open); beyond the hard limit the
 * connection closes with 1009. Writes made while a read is in progress are flushed once at the end of the read, other
 * writes once per batch of event-loop tasks.
 */
final class WebSocketConnection extends ChannelInboundHandlerAdapter implements TransportConnection {
    private final TransportContext context;
    private final WebSocketServerHandshaker handshaker;
    private final String subprotocol;
    private final RequestHeaders headers;
    private final Channel channel;
    private final Executor executor;
    private final Scheduler scheduler;

    private ConnectionListener listener;
    private boolean inRead;
    private boolean flushPending;
    private boolean readingRequested = true;
    private boolean closeSent;
    private boolean closeNotified;
    private int closeCode = CloseCodes.ABNORMAL;
    private String closeReason = "";
    private ScheduledFuture<?> forcedClose;
    /** WebSocket pings allowed (made at the first ping); pings past it are not answered. */
    private TokenBucket controlFrames;
    private int ignoredPings;
    /** A discarded message's first frames passed: the gate ends it with an empty final continuation. */
    private boolean expectEmptyFinal;

    // Reassembly of a fragmented message.
    private boolean assembling;
    private boolean assemblingText;
    private long assembledBytes;
    private CompositeByteBuf assembled;

    WebSocketConnection(TransportContext context, WebSocketServerHandshaker handshaker, String subprotocol,
            RequestHeaders headers, Channel channel) {
        this.context = context;
        this.handshaker = handshaker;
        this.subprotocol = subprotocol;
        this.headers = headers;
        this.channel = channel;
        this.executor = channel.eventLoop();
        this.scheduler = (task, delay, unit) -> {
            ScheduledFuture<?> future = channel.eventLoop().schedule(task, delay, unit);
            return () -> future.cancel(false);
        };
    }

    /** The 101 response was written: the engine takes over. */
    void upgraded() {
        listener = context.accept(this);
        if (!channel.isActive()) {
            notifyClosed();
        }
    }

    // ---- Inbound ------------------------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inRead = true;
        if (!(msg instanceof WebSocketFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                onDataFrame(frame, frame instanceof TextWebSocketFrame);
            } else if (frame instanceof ContinuationWebSocketFrame) {
                onContinuation(frame);
            } else if (frame instanceof PingWebSocketFrame) {
                onPing(frame);
            } else if (frame instanceof CloseWebSocketFrame close) {
                onCloseFrame(close);
            }
        } finally {
            frame.release();
        }
    }

    /** Answers a WebSocket ping within the connection's allowance; a peer that keeps flooding is closed 1008. */
    private void onPing(WebSocketFrame ping) {
        if (closeSent) {
            return; // closing: nothing more is answered or counted
        }
        Allowance allowance = context.limits().controlFrames();
        if (allowance.limited()) {
            long now = System.currentTimeMillis();
            if (controlFrames == null) {
                controlFrames = new TokenBucket(allowance.count(), allowance.window().toMillis(), now);
            }
            if (!controlFrames.tryAcquire(now)) {
                context.record(TransportEvent.CONTROL_FRAME_IGNORED);
                if (++ignoredPings > allowance.count()) {
                    context.record(TransportEvent.CONTROL_FRAME_FLOOD);
                    close(CloseCodes.POLICY_VIOLATION, "Too many pings");
                }
                return;
            }
            ignoredPings = 0;
        }
        write(new PongWebSocketFrame(ping.content().retain()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof FrameGate.CloseRequest request) {
            resetAssembly();
            close(request.code(), request.reason());
        } else if (event instanceof FrameGate.Oversized oversized) {
            if (oversized.partlyPassed()) {
                resetAssembly();
                expectEmptyFinal = true;
            }
            if (listener != null && !closeSent) {
                listener.onOversizedMessage(oversized.sizeBytes());
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    private void onDataFrame(WebSocketFrame frame, boolean text) {
        if (listener == null || closeSent) {
            return;
        }
        if (assembling) {
            // A new message while one is unfinished is a protocol error.
            close(CloseCodes.PROTOCOL_ERROR, "Expected a continuation frame");
            return;
        }
        ByteBuf content = frame.content();
        if (frame.isFinalFragment()) {
            deliver(content, text, content.readableBytes());
            return;
        }
        assembling = true;
        assemblingText = text;
        assembledBytes = 0;
        assembled = channel.alloc().compositeBuffer(64);
        append(content);
    }

    private void onContinuation(WebSocketFrame frame) {
        if (expectEmptyFinal && frame.isFinalFragment() && !frame.content().isReadable()) {
            expectEmptyFinal = false; // the end of a message the gate discarded, already reported
            return;
        }
        if (listener == null || closeSent) {
            return;
        }
        if (!assembling) {
            close(CloseCodes.PROTOCOL_ERROR, "Unexpected continuation frame");
            return;
        }
        append(frame.content());
        if (assembledBytes > context.hardFrameLimitBytes()) {
            resetAssembly();
            close(CloseCodes.MESSAGE_TOO_BIG, "Message too big");
            return;
        }
        if (frame.isFinalFragment()) {
            CompositeByteBuf message = assembled;
            long size = assembledBytes;
            boolean text = assemblingText;
            assembled = null;
            assembling = false;
            try {
                if (size > context.maxMessageBytes()) {
                    listener.onOversizedMessage(size);
                } else {
                    deliver(message, text, (int) size);
                }
            } finally {
                if (message != null) {
                    message.release();
                }
            }
        }
    }

    private void append(ByteBuf content) {
        assembledBytes += content.readableBytes();
        if (assembledBytes <= context.maxMessageBytes()) {
            assembled.addComponent(true, content.retain());
        } else if (assembled != null && assembled.numComponents() > 0) {
            // Over the limit: stop buffering, keep counting.
            assembled.release();
            assembled = channel.alloc().compositeBuffer(1);
        }
    }

    private void deliver(ByteBuf content, boolean text, int size) {
        if (size > context.maxMessageBytes()) {
            listener.onOversizedMessage(size);
        } else if (text) {
            if (Utf8Text.isAscii(content)) {
                listener.onAsciiText(content.nioBuffer());
                return;
            }
            String decoded = Utf8Text.decode(content);
            if (decoded == null) {
                close(CloseCodes.INVALID_PAYLOAD, "Invalid UTF-8");
                return;
            }
            listener.onText(decoded, size);
        } else {
            listener.onBinary(content.nioBuffer());
        }
    }

    private void onCloseFrame(CloseWebSocketFrame close) {
        int code = close.statusCode() < 0 ? 1005 : close.statusCode();
        String reason = close.reasonText();
        boolean echo = !closeSent;
        if (echo) {
            closeSent = true;
            closeCode = code;
            closeReason = reason == null ? "" : reason;
        }
        // The engine learns first: once the peer reads the echo, nothing may still treat the connection as live
        // (a handshake waiting for the blocking executor checks this and skips the store).
        notifyClosed();
        if (echo) {
            handshaker.close(channel, close.retain());
            armForcedClose();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Stop reading from a peer that does not read our answers, so it cannot make us buffer without end.
        channel.config().setAutoRead(readingRequested && channel.isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        resetAssembly();
        notifyClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            // Netty's decoder has already sent the close frame (1002, 1007 invalid UTF-8, 1009 too big).
            closeSent = true;
            closeCode = corrupted.closeStatus().code();
            closeReason = corrupted.closeStatus().reasonText();
        }
        ctx.close();
    }

    private void notifyClosed() {
        if (closeNotified || listener == null) {
            return;
        }
        closeNotified = true;
        listener.onClosed(closeCode, closeReason);
    }

    private void resetAssembly() {
        if (assembled != null) {
            assembled.release();
            assembled = null;
        }
        assembling = false;
    }

    // ---- TransportConnection --------------------------------------------------------------------------------------

    @Override
    public void send(String text) {
        // String.getBytes is an intrinsic copy for the (usual) ASCII text; Netty's writeUtf8 loops per char.
        sendUtf8(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void sendUtf8(byte[] utf8) {
        if (channel.eventLoop().inEventLoop()) {
            sendOnLoop(utf8);
        } else {
            executor.execute(() -> sendOnLoop(utf8));
        }
    }

    private void sendOnLoop(byte[] utf8) {
        if (closeSent || !channel.isActive()) {
            return;
        }
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        if (pending != null && pending.totalPendingWriteBytes() > context.limits().maxOutboundBytesPerConnection()) {
            context.record(TransportEvent.SLOW_CONSUMER);
            close(CloseCodes.POLICY_VIOLATION, "Slow consumer");
            return;
        }
        // Wrapped, not copied into a pooled buffer: the frame encoder copies frames up to 1 KiB into its header
        // buffer anyway, and the channel moves larger ones into a direct buffer once.
        write(new TextWebSocketFrame(Unpooled.wrappedBuffer(utf8)));
    }

    /**
     * Writes now and flushes once per batch: at the end of the read in progress, or, outside a read, in a task
     * queued behind the tasks already waiting on the event loop, so that frames posted together (a reply and its
     * ack) leave in one system call.
     */
    private void write(WebSocketFrame frame) {
        channel.write(frame, channel.voidPromise());
        if (!flushPending) {
            flushPending = true;
            if (!inRead) {
                channel.eventLoop().execute(flushLater);
            }
        }
    }

    /** The flush of writes made outside a read; nothing left when a read's end or a close flushed them first. */
    private final Runnable flushLater = this::flushWrites;

    private void flushWrites() {
        if (flushPending && !inRead) {
            flushPending = false;
            channel.flush();
        }
    }

    @Override
    public void close(int code, String reason) {
        if (!channel.eventLoop().inEventLoop()) {
            executor.execute(() -> close(code, reason));
            return;
        }
        if (closeSent) {
            return;
        }
        closeSent = true;
        closeCode = code;
        closeReason = reason == null ? "" : reason;
        if (flushPending) {
            flushPending = false;
            channel.flush();
        }
        if (channel.isActive()) {
            handshaker.close(channel, new CloseWebSocketFrame(code, closeReason));
            armForcedClose();
        }
    }

    /**
     * The close frame goes out, then TCP closes. A peer that reads nothing never lets the frame out, so after the
     * close timeout the connection is dropped without it.
     */
    private void armForcedClose() {
        if (forcedClose == null) {
            forcedClose = channel.eventLoop().schedule(() -> {
                if (channel.isOpen()) {
                    context.record(TransportEvent.FORCED_CLOSE);
                    channel.close();
                }
            }, context.limits().closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            channel.closeFuture().addListener(done -> forcedClose.cancel(false));
        }
    }

    @Override
    public void setReading(boolean reading) {
        executor.execute(() -> {
            readingRequested = reading;
            channel.config().setAutoRead(reading && channel.isWritable());
        });
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public String subprotocol() {
        return subprotocol;
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
}
