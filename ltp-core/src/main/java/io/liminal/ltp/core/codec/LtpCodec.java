package io.liminal.ltp.core.codec;

import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.internal.codec.FrameDecoder;
import io.liminal.ltp.core.internal.codec.MessageWriter;
import io.liminal.ltp.core.internal.codec.OutboundLimits;
import io.liminal.ltp.core.internal.json.Utf8;
import io.liminal.ltp.core.message.LtpMessage;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * JSON text to {@link LtpMessage} and back. Immutable and thread-safe; create one per set of {@link Limits} and
 * share it.
 *
 * <p>{@link #decode(String)} validates in the order of spec §4 for a receiver without connection state: size,
 * JSON object, {@code type}, required fields and their types, depth and string limits, then the payload rules
 * of the standard types. Every rejection is an {@link LtpProtocolException} carrying the spec's error code and
 * {@code details} (which field, size, limit). Nothing else escapes: hostile input (deep nesting, huge numbers,
 * invalid UTF-8, lone surrogates) fails fast with {@code MALFORMED_MESSAGE} or {@code MESSAGE_TOO_LARGE}.
 *
 * <p>Unknown fields are kept: decoding then encoding a valid message keeps every member.
 */
public final class LtpCodec {
    private static final LtpCodec DEFAULT = new LtpCodec(Limits.defaults());

    private final Limits limits;

    private LtpCodec(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** A codec with the spec's default limits. */
    public static LtpCodec standard() {
        return DEFAULT;
    }

    /** A codec with other limits. */
    public static LtpCodec withLimits(Limits limits) {
        return new LtpCodec(limits);
    }

    /** The limits this codec enforces. */
    public Limits limits() {
        return limits;
    }

    /**
     * Decodes one text message.
     *
     * @throws LtpProtocolException with the spec's code when the message is invalid
     */
    public LtpMessage decode(String text) {
        return FrameDecoder.decode(Objects.requireNonNull(text, "text"), -1, limits, FrameDecoder.Gate.NONE);
    }

    /**
     * Decodes one message held as UTF-8 bytes (a binary frame, A-2). The size limit is checked before anything
     * is decoded; invalid UTF-8 is {@code MALFORMED_MESSAGE}.
     *
     * @throws LtpProtocolException with the spec's code when the message is invalid
     */
    public LtpMessage decode(byte[] utf8) {
        return FrameDecoder.decode(ByteBuffer.wrap(utf8), limits, FrameDecoder.Gate.NONE);
    }

    /** Encodes a message as minified JSON text. */
    public String encode(LtpMessage message) {
        return MessageWriter.write(message);
    }

    /**
     * Encodes a message after checking it against the limits, as senders must (§10).
     *
     * @throws LtpProtocolException {@code MESSAGE_TOO_LARGE} naming the limit that the message breaks
     */
    public String encodeChecked(LtpMessage message) {
        OutboundLimits.check(message, limits);
        String text = MessageWriter.write(message);
        if (Utf8.exceeds(text, limits.maxMessageBytes())) {
            throw FrameDecoder.tooLarge(Utf8.length(text), limits.maxMessageBytes());
        }
        return text;
    }
}
