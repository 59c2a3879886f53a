package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits in front of Netty's WebSocket decoder and reads only frame headers (RFC 6455 §5.2), so that what a frame
 * declares is judged before its payload arrives:
 *
 * <ul>
 *   <li>a message whose declared size passes the hard limit is refused at that header: close 1009;</li>
 *   <li>a message over the message limit (but within the hard limit) is discarded as it streams in, and reported
 *       once complete ({@link Oversized}): Netty's decoder never buffers it, and the connection stays open (§10);
 *       </li>
 *   <li>a message split into more frames than allowed: close 1008;</li>
 *   <li>large frames that pass are reserved against a budget shared by every connection, released when their
 *       message is complete; a connection whose frame would pass the budget: close 1013.</li>
 * </ul>
 *
 * <p>Everything else (control frames, framing errors) passes untouched for the decoder to judge. A buffer whose
 * frames all pass is forwarded as it is. Event-loop confined.
 */
final class FrameGate extends ChannelInboundHandlerAdapter {
    /** Frames smaller than this are not reserved: a per-frame atomic add would cost more than they can hold. */
    static final int RESERVE_FROM_BYTES = 8 * 1024;
    /** An empty, masked, final continuation frame: closes the decoder's fragmented message after a discard. */
    private static final byte[] EMPTY_FINAL_CONTINUATION = {(byte) 0x80, (byte) 0x80, 0, 0, 0, 0};

    /** Asks the connection to close (the gate has no WebSocket encoder of its own). */
    record CloseRequest(int code, String reason) {
    }

    /**
     * A message over the message limit was discarded.
     *
     * @param sizeBytes its size
     * @param partlyPassed whether its first frames reached the decoder: a final empty continuation follows
     */
    record Oversized(long sizeBytes, boolean partlyPassed) {
    }

    private enum Mode {
        /** Between messages, or in a message whose frames pass. */
        PASS,
        /** In a message that is being discarded from its first frame. */
        DISCARD,
        /** In a message whose first frames passed and whose rest is discarded. */
        DISCARD_REST,
        /** The gate asked for a close: nothing more is read. */
        CLOSED
    }

    private final TransportContext context;
    private final AtomicLong budgetUsed;

    private final byte[] header = new byte[14];
    private int headerBytes;
    private long payloadLeft;
    private boolean inPayload;
    /** Whether the frame whose payload is being read passes (it may continue in the next buffer). */
    private boolean framePasses = true;
    private boolean frameIsFinalData;

    private Mode mode = Mode.PASS;
    private boolean inMessage;
    private long messageBytes;
    private int messageFrames;
    private long reserved;
    /** A refusal decided at a header, fired once the bytes that passed before that header are forwarded. */
    private CloseRequest pendingClose;

    /** @param budgetUsed bytes reserved by every connection of the transport */
    FrameGate(TransportContext context, AtomicLong budgetUsed) {
        this.context = context;
        this.budgetUsed = budgetUsed;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (mode == Mode.CLOSED) {
            in.release();
            return;
        }
        try {
            scan(ctx, in);
        } finally {
            in.release();
        }
    }

    /**
     * Walks the buffer frame by frame. Bytes go in runs: from {@code runStart} to the reader index, all passing or
     * all dropped ({@code runPasses}); a run ends where a frame decides differently, and is forwarded then. A
     * header cut by the end of the buffer is held in {@link #header} and decided with the next buffer.
     */
    private void scan(ChannelHandlerContext ctx, ByteBuf in) {
        int runStart = in.readerIndex();
        boolean runPasses = !inPayload || framePasses;
        while (in.isReadable()) {
            if (!inPayload) {
                int headerStart = in.readerIndex();
                int held = headerBytes;
                int need = headerLength();
                while (headerBytes < need && in.isReadable()) {
                    header[headerBytes++] = in.readByte();
                    need = headerLength();
                }
                if (headerBytes < need) {
                    forward(ctx, in, runStart, headerStart, runPasses); // the header's bytes wait for the rest
                    return;
                }
                boolean pass = onHeader();
                if (mode == Mode.CLOSED) {
                    forward(ctx, in, runStart, headerStart, runPasses);
                    ctx.fireUserEventTriggered(pendingClose);
                    return;
                }
                if (held > 0 && pass) {
                    ctx.fireChannelRead(Unpooled.copiedBuffer(header, 0, held)); // the part from the last buffer
                }
                if (pass != runPasses) {
                    forward(ctx, in, runStart, headerStart, runPasses);
                    runStart = headerStart;
                    runPasses = pass;
                }
                headerBytes = 0;
                inPayload = true;
                framePasses = pass;
            }
            int take = (int) Math.min(payloadLeft, in.readableBytes());
            in.skipBytes(take);
            payloadLeft -= take;
            if (payloadLeft == 0) {
                inPayload = false;
                if (frameIsFinalData) {
                    forward(ctx, in, runStart, in.readerIndex(), runPasses);
                    runStart = in.readerIndex();
                    endMessage(ctx);
                    if (mode == Mode.CLOSED) {
                        return;
                    }
                }
            }
        }
        forward(ctx, in, runStart, in.readerIndex(), runPasses);
    }

    private void forward(ChannelHandlerContext ctx, ByteBuf in, int from, int to, boolean pass) {
        if (pass && to > from) {
            ctx.fireChannelRead(in.retainedSlice(from, to - from));
        }
    }

    /** Header length as far as the bytes read so far tell (2 until the second byte is known). */
    private int headerLength() {
        if (headerBytes < 2) {
            return 2;
        }
        int length7 = header[1] & 0x7f;
        int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        return 2 + extended + ((header[1] & 0x80) != 0 ? 4 : 0);
    }

    /** Decides a complete header; returns whether its frame passes to the decoder. */
    private boolean onHeader() {
        boolean fin = (header[0] & 0x80) != 0;
        int opcode = header[0] & 0x0f;
        int length7 = header[1] & 0x7f;
        long length = length7;
        if (length7 == 126) {
            length = (header[2] & 0xffL) << 8 | header[3] & 0xffL;
        } else if (length7 == 127) {
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = length << 8 | header[i] & 0xffL;
            }
        }
        payloadLeft = length;
        frameIsFinalData = false;
        if (length < 0) {
            return refuse(TransportEvent.FRAME_TOO_BIG, CloseCodes.MESSAGE_TOO_BIG, "Message too big");
        }
        boolean control = opcode >= 8;
        boolean starts = opcode == 1 || opcode == 2;
        if (control || starts && inMessage || opcode == 0 && !inMessage || !starts && opcode != 0) {
            return true; // control frames, and framing errors the decoder will answer
        }
        if (starts) {
            inMessage = true;
            messageBytes = 0;
            messageFrames = 0;
            mode = Mode.PASS;
        }
        frameIsFinalData = fin;
        messageFrames++;
        if (messageFrames > context.limits().maxFragmentsPerMessage()) {
            return refuse(TransportEvent.TOO_MANY_FRAGMENTS, CloseCodes.POLICY_VIOLATION, "Too many fragments");
        }
        if (length > context.hardFrameLimitBytes() - messageBytes) { // written so that it cannot overflow
            return refuse(TransportEvent.FRAME_TOO_BIG, CloseCodes.MESSAGE_TOO_BIG, "Message too big");
        }
        messageBytes += length;
        if (mode == Mode.PASS && messageBytes > context.maxMessageBytes()) {
            mode = messageFrames == 1 ? Mode.DISCARD : Mode.DISCARD_REST;
        }
        if (mode != Mode.PASS) {
            return false;
        }
        if (length >= RESERVE_FROM_BYTES) {
            long max = context.limits().maxBufferedInboundBytes();
            if (budgetUsed.addAndGet(length) > max) {
                budgetUsed.addAndGet(-length);
                return refuse(TransportEvent.INBOUND_BUFFER_FULL, 1013, "Try again later");
            }
            reserved += length;
        }
        return true;
    }

    /** The final frame of a data message went by. */
    private void endMessage(ChannelHandlerContext ctx) {
        release();
        Mode was = mode;
        inMessage = false;
        mode = Mode.PASS;
        if (was == Mode.DISCARD) {
            ctx.fireUserEventTriggered(new Oversized(messageBytes, false));
        } else if (was == Mode.DISCARD_REST) {
            ctx.fireUserEventTriggered(new Oversized(messageBytes, true));
            ctx.fireChannelRead(Unpooled.wrappedBuffer(EMPTY_FINAL_CONTINUATION));
        }
    }

    private boolean refuse(TransportEvent event, int code, String reason) {
        mode = Mode.CLOSED;
        release();
        context.record(event);
        pendingClose = new CloseRequest(code, reason);
        return false;
    }

    private void release() {
        if (reserved > 0) {
            budgetUsed.addAndGet(-reserved);
            reserved = 0;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    /** For tests: bytes this connection holds reserved. */
    long reserved() {
        return reserved;
    }
}
