package io.liminal.ltp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientFramesTest {
    /** Parses one client frame the way a server does (RFC 6455 §5.2) and returns its unmasked text. */
    private static String unmask(ByteBuffer frame) {
        assertThat(frame.hasArray()).isTrue();
        assertThat(frame.arrayOffset()).isZero();
        byte[] bytes = frame.array();
        int end = frame.limit();
        assertThat(bytes[0] & 0xFF).as("FIN + text opcode").isEqualTo(0x81);
        assertThat(bytes[1] & 0x80).as("mask bit").isEqualTo(0x80);
        long length = bytes[1] & 0x7F;
        int at = 2;
        if (length == 126) {
            length = ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
            at = 4;
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | (bytes[2 + i] & 0xFF);
            }
            at = 10;
        }
        byte[] key = {bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]};
        at += 4;
        assertThat(end - at).as("payload length field").isEqualTo(length);
        byte[] payload = new byte[(int) length];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (bytes[at + i] ^ key[i & 3]);
        }
        return new String(payload, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 200_000})
    void everyLengthEncodingRoundTrips(int length) {
        String text = "x".repeat(length);
        assertThat(unmask(ClientFrames.text(text))).isEqualTo(text);
    }

    @Test
    void textIsSentAsUtf8() {
        String text = "{\"type\":\"event\",\"payload\":{\"data\":\"Grüße, 世界 🌍\"}}";
        ByteBuffer frame = ClientFrames.text(text);
        assertThat(unmask(frame)).isEqualTo(text);
        assertThat(frame.limit()).isEqualTo(2 + 4 + text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void everyFrameHasItsOwnMaskingKey() {
        Set<Integer> keys = new HashSet<>();
        for (int i = 0; i < 2_000; i++) { // past the key buffer's refill
            ByteBuffer frame = ClientFrames.text("ping");
            keys.add(ByteBuffer.wrap(frame.array(), 2, 4).getInt());
        }
        // 2,000 draws from 2^32 keys collide with probability below 0.05%.
        assertThat(keys).hasSizeGreaterThan(1_990);
    }

    @Test
    void thePayloadIsMaskedOnTheWire() {
        String text = "a".repeat(64);
        ByteBuffer frame = ClientFrames.text(text);
        String wire = new String(frame.array(), 6, 64, StandardCharsets.ISO_8859_1);
        assertThat(wire).isNotEqualTo(text);
    }
}
