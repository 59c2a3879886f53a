package io.liminal.ltp.server.internal.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseWireTest {

    private static List<String> split(byte[] body, boolean lines, List<Integer> sizes) {
        List<String> messages = new ArrayList<>();
        ByteBuffer direct = ByteBuffer.allocateDirect(body.length + 4);
        direct.put(new byte[] {'x', 'x'}).put(body).put(new byte[] {'y', 'y'});
        direct.position(2).limit(2 + body.length);
        boolean valid = SseWire.split(direct, lines, messages, sizes);
        assertThat(direct.position()).as("position untouched").isEqualTo(2);
        return valid ? messages : null;
    }

    @Test
    void linesOfAnNdjsonBodyWithTheirUtf8Sizes() {
        List<Integer> sizes = new ArrayList<>();
        String body = "{\"a\":1}\r\n\n  \n{\"b\":\"h\u00e9llo \uD83D\uDE00\"}\n{\"c\":3}";
        assertThat(split(body.getBytes(StandardCharsets.UTF_8), true, sizes))
                .containsExactly("{\"a\":1}", "{\"b\":\"h\u00e9llo \uD83D\uDE00\"}", "{\"c\":3}");
        assertThat(sizes).containsExactly(7, 19, 7);
    }

    @Test
    void aJsonBodyIsOneMessageWhateverItsLines() {
        List<Integer> sizes = new ArrayList<>();
        assertThat(split("{\"a\":\n1}".getBytes(StandardCharsets.UTF_8), false, sizes)).containsExactly("{\"a\":\n1}");
        assertThat(split("   ".getBytes(StandardCharsets.UTF_8), false, new ArrayList<>())).isEmpty();
    }

    @Test
    void invalidUtf8IsRefusedAsciiOrNot() {
        byte[][] invalid = {
            {'{', (byte) 0xC3, '}'},                                      // truncated sequence
            {'"', (byte) 0xC0, (byte) 0xAF, '"'},                         // overlong '/'
            {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'},            // an encoded surrogate
            {'0', '1', '2', '3', '4', '5', '6', '7', '8', (byte) 0xFF},   // past the first eight bytes
        };
        for (byte[] body : invalid) {
            assertThat(split(body, false, new ArrayList<>())).as(java.util.Arrays.toString(body)).isNull();
        }
    }

    @Test
    void eventIdsAreTokenDotNumber() {
        String token = "Vt3k0m6sS6WxqK9dG0c4nA";
        assertThat(SseWire.tokenOf(token + ".41")).isEqualTo(token);
        assertThat(SseWire.eventNumber(token + ".41")).isEqualTo(41);
        assertThat(SseWire.eventNumber(token + ".-1")).isEqualTo(-1);
        assertThat(SseWire.eventNumber(token + ".4x")).isEqualTo(-1);
        assertThat(SseWire.tokenOf("short.41")).isNull();
        assertThat(SseWire.positive(" 7 ")).isEqualTo(7);
        assertThat(SseWire.positive("0")).isEqualTo(-1);
    }
}
