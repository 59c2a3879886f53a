package io.liminal.ltp.server.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8TextTest {

    private static String decode(byte[] bytes) {
        ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        try {
            String fromDirect = Utf8Text.decode(direct);
            assertThat(direct.readerIndex()).isZero();
            assertThat(Utf8Text.decode(Unpooled.wrappedBuffer(bytes))).isEqualTo(fromDirect);
            return fromDirect;
        } finally {
            direct.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "{\"type\":\"ping\"}", "exactly8", "héllo wörld", "日本語のテキスト",
            "emoji 😀 and more", "\u0000\u007f", "a long ASCII prefix of more than sixteen bytes, then é"})
    void decodesValidText(String text) {
        assertThat(decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
    }

    @Test
    void rejectsInvalidUtf8() {
        assertThat(decode(new byte[] {'{', (byte) 0xC3, '}'})).as("truncated sequence").isNull();
        assertThat(decode(new byte[] {(byte) 0xC0, (byte) 0xAF})).as("overlong slash").isNull();
        assertThat(decode(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})).as("encoded lone surrogate").isNull();
        assertThat(decode(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})).as("above U+10FFFF")
                .isNull();
        assertThat(decode(new byte[] {(byte) 0xFF})).as("never valid").isNull();
        byte[] lateError = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        lateError[30] = (byte) 0x80;
        assertThat(decode(lateError)).as("stray continuation after ASCII words").isNull();
    }

    @Test
    void findsTheFirstNonAsciiByteAtEveryOffset() {
        for (int length = 0; length <= 20; length++) {
            byte[] bytes = "x".repeat(length).getBytes(StandardCharsets.US_ASCII);
            assertThat(Utf8Text.isAscii(Unpooled.wrappedBuffer(bytes))).as("length %d", length).isTrue();
            for (int at = 0; at < length; at++) {
                byte[] high = bytes.clone();
                high[at] = (byte) 0x80;
                assertThat(Utf8Text.isAscii(Unpooled.wrappedBuffer(high))).as("0x80 at %d of %d", at, length).isFalse();
            }
        }
        ByteBuf offset = Unpooled.wrappedBuffer(new byte[] {(byte) 0xC3, 'a', 'b'});
        offset.readerIndex(1);
        assertThat(Utf8Text.isAscii(offset)).as("from the reader index on").isTrue();
    }

    @Test
    void decodesAMessageReassembledFromFragmentsSplitInsideACharacter() {
        byte[] bytes = "ok 😀 done".getBytes(StandardCharsets.UTF_8);
        CompositeByteBuf message = Unpooled.compositeBuffer();
        message.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, 5));
        message.addComponent(true, Unpooled.wrappedBuffer(bytes, 5, bytes.length - 5));
        assertThat(Utf8Text.decode(message)).isEqualTo("ok 😀 done");
    }
}
