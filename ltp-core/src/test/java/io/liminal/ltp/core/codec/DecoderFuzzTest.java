package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.LtpMessage;

/**
 * The decoder never throws anything but {@link LtpProtocolException}, and whatever it accepts encodes and decodes
 * again to the same message.
 *
 * <p>In a normal build this runs in Jazzer's regression mode over the seed corpus in
 * {@code src/test/resources/io/liminal/ltp/core/codec/DecoderFuzzTestInputs/}. To fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl ltp-core test -Dtest=DecoderFuzzTest}.
 */
class DecoderFuzzTest {
    private static final LtpCodec CODEC = LtpCodec.withLimits(Limits.builder().maxMessageBytes(64 * 1024).build());

    @FuzzTest(maxDuration = "60s")
    void decodeText(byte[] input) {
        check(() -> CODEC.decode(new String(input, java.nio.charset.StandardCharsets.UTF_8)));
    }

    @FuzzTest(maxDuration = "60s")
    void decodeBinary(byte[] input) {
        check(() -> CODEC.decode(input));
    }

    private static void check(java.util.function.Supplier<LtpMessage> decode) {
        LtpMessage message;
        try {
            message = decode.get();
        } catch (LtpProtocolException expected) {
            return;
        }
        assertThat(CODEC.decode(CODEC.encode(message))).isEqualTo(message);
    }
}
