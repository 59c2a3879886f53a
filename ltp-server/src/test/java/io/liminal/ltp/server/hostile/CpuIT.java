package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.testing.RawWebSocket;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Finding 9: what a peer can make the server compute is bounded: LTP pings, WebSocket pings, fragments. */
class CpuIT extends HostileTest {

    /** Reads frames until the close; returns how many of {@code type} came before it, and the close code. */
    private static int[] countUntilClose(RawWebSocket socket, int opcode, String textContains) {
        int count = 0;
        while (true) {
            RawWebSocket.Frame frame;
            try {
                frame = socket.readFrame(WAIT);
            } catch (UncheckedIOException e) {
                return new int[] {count, -1};
            }
            if (frame.opcode() == RawWebSocket.CLOSE) {
                int code = ((frame.payload()[0] & 0xff) << 8) | (frame.payload()[1] & 0xff);
                return new int[] {count, code};
            }
            if (frame.opcode() == opcode && (textContains == null || frame.text().contains(textContains))) {
                count++;
            }
        }
    }

    @Test
    @DisplayName("540,000 LTP pings are not all answered: 20, then errors, then close 1008 Too many errors")
    void ltpPingFlood() throws Exception {
        start(b -> { });
        try (RawWebSocket flooder = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            flooder.sendText(init("pinger"));
            JsonObject ack = json(flooder.readFrame(WAIT).text());
            byte[] one = ping(ack).getBytes(StandardCharsets.UTF_8);
            duringAttack(() -> {
                for (int i = 0; i < 540_000; i++) {
                    try {
                        flooder.sendFrame(RawWebSocket.TEXT, one, true);
                    } catch (UncheckedIOException e) {
                        return; // closed
                    }
                }
            });
            int[] seen = countUntilClose(flooder, RawWebSocket.TEXT, "\"pong\"");
            assertThat(seen[0]).as("pongs").isBetween(20, 25);
            assertThat(seen[1]).isEqualTo(1008);
            assertThat(counter("ltp_abuse_closes_total", "reason", "too_many_errors")).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a WebSocket ping flood gets 20 pongs, then none, then close 1008")
    void webSocketPingFlood() throws Exception {
        start(b -> { });
        try (RawWebSocket flooder = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            duringAttack(() -> {
                for (int i = 0; i < 490_000; i++) {
                    try {
                        flooder.sendFrame(RawWebSocket.PING, new byte[] {1, 2}, true);
                    } catch (UncheckedIOException e) {
                        return;
                    }
                }
            });
            int[] seen = countUntilClose(flooder, RawWebSocket.PONG, null);
            assertThat(seen[0]).isBetween(20, 25);
            assertThat(seen[1]).isEqualTo(1008);
            assertThat(transportEvents("control_frame_flood")).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a message in 1,000,000 one-byte fragments is cut off at 1,024 fragments: close 1008")
    void oneByteFragments() throws Exception {
        start(b -> { });
        try (RawWebSocket flooder = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            duringAttack(() -> {
                try {
                    flooder.sendFrame(RawWebSocket.TEXT, new byte[] {'{'}, false);
                    for (int i = 0; i < 1_000_000; i++) {
                        flooder.sendFrame(RawWebSocket.CONTINUATION, new byte[] {' '}, false);
                    }
                } catch (UncheckedIOException e) {
                    // closed
                }
            });
            assertThat(flooder.readCloseCode(WAIT)).isEqualTo(1008);
            assertThat(transportEvents("too_many_fragments")).isEqualTo(1);
        }
    }
}
