package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.transport.TransportLimits;
import io.liminal.ltp.testing.RawWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Finding 8: what a peer can make the server hold in memory is bounded: threads (handshakes per address), frames
 * (judged at the header, discarded while they stream), unfinished messages over all connections, and frames held
 * while a handshake waits for a slow store.
 */
class MemoryIT extends HostileTest {

    private static RawWebSocket connect(int port) {
        return RawWebSocket.connect(port, "/", List.of("ltp.v0.3"), Map.of());
    }

    private static byte[] bytes(int count) {
        byte[] payload = new byte[count];
        Arrays.fill(payload, (byte) 'a');
        return payload;
    }

    private double inboundBuffered() {
        return server.meterRegistry().get("ltp_inbound_buffered_bytes").gauge().value();
    }

    @Test
    @DisplayName("a handshake_init flood from one address creates at most its allowance of threads")
    void initFlood() throws Exception {
        InMemoryThreadStore store = new InMemoryThreadStore();
        start(b -> b.threadStore(store));
        int[] acked = {0};
        duringAttack(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < end) {
                try (RawWebSocket flooder = connect(server.port())) {
                    for (int i = 0; i < 50; i++) {
                        flooder.sendText(init("flood-" + acked[0] + "-" + i));
                        String reply = flooder.readFrame(WAIT).text();
                        if (!reply.contains("handshake_ack")) {
                            return; // refused: the allowance is spent
                        }
                        acked[0]++;
                    }
                }
            }
        });
        // 300 per minute per address, less the canary's, plus what refills (5 a second) during the flood.
        assertThat(acked[0]).isBetween(250, 320);
        assertThat(counter("ltp_handshakes_total", "outcome", "refused_rate_limit")).isGreaterThanOrEqualTo(1);
        assertThat(store.count()).isLessThanOrEqualTo(321);
    }

    @Test
    @DisplayName("10 connections each sending all but the end of a frame over the message limit hold nothing: the "
            + "payload is discarded as it streams, and the finished one is answered MESSAGE_TOO_LARGE, open")
    void oversizedFramesAreNotBuffered() throws Exception {
        start(b -> b.hardFrameLimitBytes(4L << 20));
        List<RawWebSocket> attackers = new ArrayList<>();
        try {
            duringAttack(() -> {
                for (int i = 0; i < 10; i++) {
                    RawWebSocket attacker = connect(server.port());
                    attacker.sendText(init("big-" + i));
                    attacker.readFrame(WAIT);
                    attacker.sendPartialFrame(RawWebSocket.TEXT, true, 4L << 20, bytes((3 << 20) + 512 * 1024));
                    attackers.add(attacker);
                }
            });
            assertThat(inboundBuffered()).as("nothing of them is held").isZero();
            RawWebSocket last = attackers.get(9);
            last.sendRaw(bytes(512 * 1024));
            assertThat(errorCode(last.readFrame(WAIT).text())).isEqualTo("MESSAGE_TOO_LARGE");
            last.sendFrameHeader(RawWebSocket.TEXT, (4L << 20) + 1);
            assertThat(last.readCloseCode(WAIT)).as("past the hard limit: 1009 at the header").isEqualTo(1009);
        } finally {
            attackers.forEach(RawWebSocket::close);
        }
    }

    @Test
    @DisplayName("unfinished messages over all connections are bounded: the one that would pass the budget is closed "
            + "1013, and what others reserved is given back when they go")
    void inboundBudget() throws Exception {
        start(b -> b.limits(io.liminal.ltp.core.codec.Limits.defaults().toBuilder().maxMessageBytes(512 * 1024)
                .build()).transportLimits(TransportLimits.builder().maxBufferedInboundBytes(1L << 20).build()));
        List<RawWebSocket> attackers = new ArrayList<>();
        try {
            duringAttack(() -> {
                for (int i = 0; i < 3; i++) {
                    RawWebSocket attacker = connect(server.port());
                    attackers.add(attacker);
                    attacker.sendText(init("budget-" + i));
                    attacker.readFrame(WAIT);
                    try {
                        attacker.sendPartialFrame(RawWebSocket.TEXT, true, 400 * 1024, bytes(300 * 1024));
                    } catch (java.io.UncheckedIOException e) {
                        // the server may close the third while it is still writing: the point
                    }
                }
            });
            assertThat(attackers.get(2).readCloseCode(WAIT)).isEqualTo(1013);
            assertThat(eventually(() -> inboundBuffered() == 800 * 1024, WAIT)).isTrue();
            assertThat(transportEvents("inbound_buffer_full")).isEqualTo(1);
        } finally {
            attackers.forEach(RawWebSocket::close);
        }
        assertThat(eventually(() -> inboundBuffered() == 0, WAIT)).isTrue();
    }

    @Test
    @DisplayName("frames held while a handshake waits for a slow store are bounded in bytes: 1008, nothing kept")
    void heldFramesBoundedInBytes() throws Exception {
        CountDownLatch storeResponds = new CountDownLatch(1);
        ForwardingStore slow = new ForwardingStore(new InMemoryThreadStore()) {
            @Override
            public void create(ThreadRecord thread) {
                if (thread.clientId().equals("slow")) {
                    try {
                        storeResponds.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.create(thread);
            }

            @Override
            public boolean isBlocking() {
                return true;
            }
        };
        start(b -> b.threadStore(slow));
        try (RawWebSocket attacker = connect(server.port())) {
            attacker.sendText(init("slow"));
            JsonObject fake = new JsonObject();
            fake.addProperty("thread_id", "t");
            fake.addProperty("session_id", "s");
            String padded = event(fake, "e", "\"" + "p".repeat(60_000) + "\"");
            duringAttack(() -> {
                for (int i = 0; i < 20; i++) { // 1.2 MB while the store has not answered
                    attacker.sendText(padded);
                }
            });
            assertThat(attacker.readCloseCode(WAIT)).isEqualTo(1008);
            assertThat(counter("ltp_abuse_closes_total", "reason", "too_many_held")).isEqualTo(1);
        } finally {
            storeResponds.countDown();
        }
    }
}
