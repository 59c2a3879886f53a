package io.liminal.ltp.server.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.transport.RecordingTransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.liminal.ltp.server.transport.TransportLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The frame gate in front of Netty's real WebSocket decoder, fed in random chunks down to single bytes: what
 * passes is decoded exactly as sent, what breaks a limit is judged at its header and never reaches the decoder.
 */
class FrameGateTest {
    private static final int MAX_MESSAGE = 1_000;
    private static final long HARD_LIMIT = 10_000;

    private final List<String> events = new ArrayList<>();
    private final AtomicLong budget = new AtomicLong();
    private final RecordingTransportContext context = new RecordingTransportContext();

    {
        context.maxMessageBytes = MAX_MESSAGE;
        context.hardFrameLimitBytes = HARD_LIMIT;
        context.limits = TransportLimits.builder().maxFragmentsPerMessage(4)
                .maxBufferedInboundBytes(3 * FrameGate.RESERVE_FROM_BYTES).build();
    }

    private EmbeddedChannel channel(int maxMessage) {
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(maxMessage)
                .allowExtensions(false).expectMaskedFrames(true).withUTF8Validator(false).build();
        return new EmbeddedChannel(new FrameGate(context, budget), new WebSocket13FrameDecoder(config),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        WebSocketFrame frame = (WebSocketFrame) msg;
                        events.add(frame.getClass().getSimpleName().replace("WebSocketFrame", "") + (frame
                                .isFinalFragment() ? "" : "+") + ":" + frame.content().readableBytes());
                        frame.release();
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                        events.add(event.toString());
                    }
                });
    }

    /** A masked client frame. */
    static byte[] frame(boolean fin, int opcode, int payloadLength, long declaredLength, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        if (declaredLength >= 0 && declaredLength < 126) {
            out.write(0x80 | (int) declaredLength);
        } else if (declaredLength >= 0 && declaredLength <= 0xffff) {
            out.write(0x80 | 126);
            out.write((int) (declaredLength >> 8));
            out.write((int) declaredLength & 0xff);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (declaredLength >> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        out.writeBytes(mask);
        for (int i = 0; i < payloadLength; i++) {
            out.write(('a' + i % 26) ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    static byte[] frame(boolean fin, int opcode, int length, Random random) {
        return frame(fin, opcode, length, length, random);
    }

    /** Writes {@code bytes} in random chunks of 1 to {@code maxChunk} bytes. */
    private static void feed(EmbeddedChannel channel, byte[] bytes, Random random, int maxChunk) {
        int at = 0;
        while (at < bytes.length) {
            int chunk = Math.min(bytes.length - at, 1 + random.nextInt(maxChunk));
            channel.writeInbound(Unpooled.copiedBuffer(bytes, at, chunk));
            at += chunk;
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "chunks of up to {0} bytes")
    @ValueSource(ints = {1, 3, 17, 500, 100_000})
    @DisplayName("frames within the limits reach the decoder exactly as sent, however the bytes are split")
    void passesUntouched(int maxChunk) {
        Random random = new Random(maxChunk);
        EmbeddedChannel channel = channel(MAX_MESSAGE);
        feed(channel, concat(frame(true, 1, 10, random), frame(false, 2, 200, random), frame(true, 9, 4, random),
                frame(false, 0, 300, random), frame(true, 0, 500, random), frame(true, 1, 1_000, random),
                frame(true, 1, 0, random)), random, maxChunk);
        assertThat(events).containsExactly("Text:10", "Binary+:200", "Ping:4", "Continuation+:300",
                "Continuation:500", "Text:1000", "Text:0");
        assertThat(context.events).isEmpty();
        assertThat(budget.get()).isZero();
    }

    @ParameterizedTest(name = "chunks of up to {0} bytes")
    @ValueSource(ints = {1, 7, 100_000})
    @DisplayName("a message over the limit in one frame is discarded as it streams and reported once; the next passes")
    void oversizedFrameIsDiscarded(int maxChunk) {
        Random random = new Random(maxChunk);
        EmbeddedChannel channel = channel(MAX_MESSAGE);
        feed(channel, concat(frame(true, 1, 5_000, random), frame(true, 1, 20, random)), random, maxChunk);
        assertThat(events).containsExactly("Oversized[sizeBytes=5000, partlyPassed=false]", "Text:20");
        assertThat(channel.isOpen()).isTrue();
    }

    @ParameterizedTest(name = "chunks of up to {0} bytes")
    @ValueSource(ints = {1, 7, 100_000})
    @DisplayName("a fragmented message that passes the limit midway: its rest is discarded and the decoder's message "
            + "ended with an empty final continuation")
    void oversizedMidway(int maxChunk) {
        Random random = new Random(maxChunk);
        EmbeddedChannel channel = channel(MAX_MESSAGE);
        feed(channel, concat(frame(false, 1, 600, random), frame(true, 10, 2, random), frame(false, 0, 600, random),
                frame(true, 0, 700, random), frame(true, 1, 20, random)), random, maxChunk);
        assertThat(events).containsExactly("Text+:600", "Pong:2", "Oversized[sizeBytes=1900, partlyPassed=true]",
                "Continuation:0", "Text:20");
    }

    @Test
    @DisplayName("a declared size over the hard limit is refused at the header: close 1009 before any payload arrives")
    void hardLimitAtTheHeader() {
        Random random = new Random(1);
        EmbeddedChannel channel = channel(MAX_MESSAGE);
        byte[] header = frame(true, 1, 0, 1L << 31, random); // a 2 GiB frame: only its header is sent
        channel.writeInbound(Unpooled.wrappedBuffer(header));
        assertThat(events).containsExactly("CloseRequest[code=1009, reason=Message too big]");
        assertThat(context.events).containsExactly(TransportEvent.FRAME_TOO_BIG);
        channel.writeInbound(Unpooled.wrappedBuffer(frame(true, 1, 10, random)));
        assertThat(events).as("nothing is read after a refusal").hasSize(1);
    }

    @Test
    @DisplayName("the hard limit counts the whole message, and a length with the top bit set cannot overflow it")
    void hardLimitOverFragments() {
        Random random = new Random(2);
        EmbeddedChannel channel = channel(MAX_MESSAGE);
        feed(channel, concat(frame(false, 1, 4_000, random), frame(false, 0, 4_000, random),
                frame(false, 0, 0, 4_000, random)), random, 100_000);
        assertThat(events).containsExactly("CloseRequest[code=1009, reason=Message too big]");

        events.clear();
        EmbeddedChannel other = channel(MAX_MESSAGE);
        other.writeInbound(Unpooled.wrappedBuffer(frame(true, 1, 0, -1L, random)));
        assertThat(events).containsExactly("CloseRequest[code=1009, reason=Message too big]");
    }

    @Test
    @DisplayName("more fragments than allowed: close 1008")
    void tooManyFragments() {
        Random random = new Random(3);
        EmbeddedChannel channel = channel(MAX_MESSAGE);
        feed(channel, concat(frame(false, 1, 1, random), frame(false, 0, 1, random), frame(false, 0, 1, random),
                frame(false, 0, 1, random), frame(true, 0, 1, random)), random, 100_000);
        assertThat(events).containsExactly("Text+:1", "Continuation+:1", "Continuation+:1", "Continuation+:1",
                "CloseRequest[code=1008, reason=Too many fragments]");
        assertThat(context.events).containsExactly(TransportEvent.TOO_MANY_FRAGMENTS);
    }

    @Test
    @DisplayName("large unfinished frames are reserved against the shared budget; past it: close 1013; released at the "
            + "end of their message")
    void sharedBudget() {
        context.limits = context.limits.toBuilder().maxBufferedInboundBytes(2L * FrameGate.RESERVE_FROM_BYTES + 10)
                .build();
        Random random = new Random(4);
        int large = FrameGate.RESERVE_FROM_BYTES;
        context.maxMessageBytes = 4 * large;
        EmbeddedChannel first = channel(4 * large);
        EmbeddedChannel second = channel(4 * large);
        EmbeddedChannel third = channel(4 * large);
        byte[] one = frame(true, 2, large, random);
        first.writeInbound(Unpooled.copiedBuffer(one, 0, 100)); // header and a little: the decoder holds it
        second.writeInbound(Unpooled.copiedBuffer(frame(true, 2, large, random), 0, 100));
        assertThat(budget.get()).isEqualTo(2L * large);
        third.writeInbound(Unpooled.copiedBuffer(frame(true, 2, large, random), 0, 100));
        assertThat(events).containsExactly("CloseRequest[code=1013, reason=Try again later]");
        assertThat(context.events).containsExactly(TransportEvent.INBOUND_BUFFER_FULL);
        first.writeInbound(Unpooled.copiedBuffer(one, 100, one.length - 100));
        assertThat(events).endsWith("Binary:" + large);
        assertThat(budget.get()).isEqualTo(large);
        second.close();
        assertThat(budget.get()).as("a closed connection gives its reservation back").isZero();
    }

    @Test
    @DisplayName("a buffer whose frames all pass is forwarded as it is, without a copy")
    void passThroughIsNotCopied() {
        List<ByteBuf> seen = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameGate(context, budget),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        seen.add((ByteBuf) msg);
                    }
                });
        ByteBuf in = Unpooled.wrappedBuffer(frame(true, 1, 30, new Random(5)));
        String hex = ByteBufUtil.hexDump(in);
        channel.writeInbound(in);
        assertThat(seen).singleElement().satisfies(out -> assertThat(ByteBufUtil.hexDump(out)).isEqualTo(hex));
        seen.forEach(ByteBuf::release);
    }
}
