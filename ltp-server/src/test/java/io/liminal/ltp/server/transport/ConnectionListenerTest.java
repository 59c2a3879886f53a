package io.liminal.ltp.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionListenerTest {

    @Test
    void asciiTextDefaultsToTheTextAndItsSizeWithoutMovingTheBuffer() {
        List<String> texts = new ArrayList<>();
        ConnectionListener listener = new ConnectionListener() {
            @Override
            public void onText(String text, int utf8Bytes) {
                texts.add(text + " " + utf8Bytes);
            }

            @Override
            public void onBinary(ByteBuffer data) {
            }

            @Override
            public void onOversizedMessage(long sizeBytes) {
            }

            @Override
            public void onClosed(int code, String reason) {
            }
        };
        ByteBuffer buffer = ByteBuffer.wrap("xx{\"type\":\"ping\"}yy".getBytes(StandardCharsets.US_ASCII));
        buffer.position(2).limit(17);
        listener.onAsciiText(buffer);
        assertThat(texts).containsExactly("{\"type\":\"ping\"} 15");
        assertThat(buffer.position()).isEqualTo(2);
        assertThat(buffer.limit()).isEqualTo(17);
    }
}
