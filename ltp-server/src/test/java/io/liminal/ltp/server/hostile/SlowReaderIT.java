package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.transport.TransportLimits;
import io.liminal.ltp.testing.RawWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Finding 2: a client that never reads is disconnected in bounded time, whichever close the server starts (idle,
 * slow consumer): a close frame that cannot be flushed becomes a hard close after the close timeout.
 */
class SlowReaderIT extends HostileTest {
    private static final Envelope BIG = Envelope.builder("event").payloadOwned(
            new EventPayload("bulk", new JsonPrimitive("z".repeat(60_000))).toJson()).build();

    /** Connects, handshakes, reads the ack, and from then on reads nothing. */
    private List<RawWebSocket> nonReaders(int count) {
        List<RawWebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RawWebSocket socket = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of(), 4_096);
            socket.sendText(init("mute-" + i));
            String threadId = json(socket.readFrame(WAIT).text()).get("thread_id").getAsString();
            sockets.add(socket);
            for (int n = 0; n < 120; n++) { // 7 MB each: far more than the kernel's buffers hold
                server.pushTo(threadId, BIG).join();
            }
        }
        return sockets;
    }

    @Test
    @DisplayName("20 clients that never read are closed after the idle timeout plus the close timeout, not never")
    void idleCloseOfNonReaders() throws Exception {
        start(b -> b.heartbeatInterval(Duration.ofMillis(500)).transportLimits(TransportLimits.builder()
                .maxOutboundBytesPerConnection(64L << 20).closeTimeout(Duration.ofSeconds(1)).build()));
        List<RawWebSocket> mute = new ArrayList<>();
        try {
            duringAttack(() -> mute.addAll(nonReaders(20)));
            assertThat(eventuallyWithHeartbeat(() -> server.connectionCount() == 1, Duration.ofSeconds(8)))
                    .as("idle close at 1 s, then dropped 1 s later").isTrue();
            assertThat(transportEvents("forced_close")).as("most close frames could not be written")
                    .isGreaterThanOrEqualTo(10);
            assertThat(counter("ltp_heartbeat_timeouts_total")).as("it was the idle close").isGreaterThanOrEqualTo(20);
        } finally {
            mute.forEach(RawWebSocket::close);
        }
    }

    @Test
    @DisplayName("past the outbound bound a non-reader is closed 1008 Slow consumer, and dropped when that cannot flush")
    void slowConsumer() throws Exception {
        start(b -> b.transportLimits(TransportLimits.builder().closeTimeout(Duration.ofSeconds(1)).build()));
        List<RawWebSocket> mute = new ArrayList<>();
        try {
            duringAttack(() -> mute.addAll(nonReaders(3)));
            assertThat(eventually(() -> server.connectionCount() == 1, Duration.ofSeconds(5))).isTrue();
            assertThat(transportEvents("slow_consumer")).isGreaterThanOrEqualTo(3);
            assertThat(transportEvents("forced_close")).isGreaterThanOrEqualTo(3);
        } finally {
            mute.forEach(RawWebSocket::close);
        }
    }
}
