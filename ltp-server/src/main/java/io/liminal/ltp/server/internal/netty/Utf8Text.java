package io.liminal.ltp.server.internal.netty;

import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a WebSocket text message and validates its UTF-8 (RFC 6455 §8.1) in the same pass. The server needs the
 * text as a {@code String} anyway, so validating while decoding saves Netty's separate byte-by-byte validator,
 * which was the largest single cost of a small message. Pure ASCII, the usual case, is checked eight bytes at a
 * time; anything else goes through the JDK's strict decoder, which rejects overlong forms, encoded surrogates and
 * truncated sequences.
 */
final class Utf8Text {
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final ThreadLocal<CharsetDecoder> STRICT = ThreadLocal.withInitial(
            StandardCharsets.UTF_8::newDecoder);

    private Utf8Text() {
    }

    /** The message's text, or {@code null} when it is not valid UTF-8. Does not move the reader index. */
    static String decode(ByteBuf content) {
        int start = content.readerIndex();
        int length = content.readableBytes();
        if (isAscii(content, start, start + length)) {
            return content.toString(start, length, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = STRICT.get().reset();
        try {
            return decoder.decode(content.nioBuffer(start, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isAscii(ByteBuf content, int from, int to) {
        int i = from;
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
}
