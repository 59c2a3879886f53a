package io.liminal.ltp.server.internal.netty;

import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Validates the UTF-8 of a WebSocket text message (RFC 6455 §8.1) instead of Netty's separate byte-by-byte
 * validator, which was the largest single cost of a small message. Pure ASCII, the usual case, is checked eight
 * bytes at a time and handed to the engine as bytes; anything else is decoded by the JDK's strict decoder, which
 * rejects overlong forms, encoded surrogates and truncated sequences.
 */
final class Utf8Text {
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final ThreadLocal<CharsetDecoder> STRICT = ThreadLocal.withInitial(
            StandardCharsets.UTF_8::newDecoder);

    private Utf8Text() {
    }

    /** Whether every readable byte is below 0x80: the text is then valid UTF-8 with one char per byte. */
    static boolean isAscii(ByteBuf content) {
        int i = content.readerIndex();
        int to = i + content.readableBytes();
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            if ((content.getLong(i) & HIGH_BITS) != 0) {
                return false;
            }
        }
        for (; i < to; i++) {
            if (content.getByte(i) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The message's text, or {@code null} when it is not valid UTF-8. Does not move the reader index. */
    static String decode(ByteBuf content) {
        CharsetDecoder decoder = STRICT.get().reset();
        try {
            return decoder.decode(content.nioBuffer(content.readerIndex(), content.readableBytes())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
