package io.liminal.ltp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.DisconnectInfo;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.testing.Sequences;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backlog of 2,500 client messages over real sockets, built up while the handler is held, then released: with a
 * reply to every message it drains like without replies, without the connection stalling until the heartbeat
 * timeout (which is what happened when queued replies kept the server from reading again).
 */
@Timeout(120)
class BacklogIT {
    private static final int MESSAGES = 2_500;
    private static final Duration HEARTBEAT = Duration.ofSeconds(10);

    @Test
    @DisplayName("2,500 queued messages drain as fast with a reply each as without, and no connection times out")
    void backlogWithReplies() throws Exception {
        long without = drainMillis(false);
        long with = drainMillis(true);
        System.out.printf("backlog of %d: %d ms without replies, %d ms with a reply each (%.2fx)%n", MESSAGES,
                without, with, (double) with / Math.max(1, without));
        // The stall this guards against lasted until the idle close (2 x 10 s); a generous bound, not a benchmark.
        assertThat(with).isLessThan(4 * without + 3_000);
    }

    /** The time from releasing the handler to the last acknowledgement (and reply), in milliseconds. */
    private static long drainMillis(boolean reply) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> handled = Collections.synchronizedList(new ArrayList<>());
        List<String> replies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger disconnects = new AtomicInteger();
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit().heartbeatInterval(HEARTBEAT)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        awaitQuietly(release);
                        handled.add(event.data().getAsString());
                        if (reply) {
                            session.reply(Envelope.builder("event").payloadOwned(new EventPayload("reply",
                                    event.data()).toJson()).build());
                        }
                    }
                }).build().start();
             LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + server.port() + "/"))
                     .clientId("backlog-" + reply)
                     .offlineBuffer(2 * MESSAGES, 64L << 20, OverflowPolicy.FAIL)
                     .listener(new LtpClientListener() {
                         @Override
                         public void onEvent(EventPayload event, Envelope envelope) {
                             replies.add(event.data().getAsString());
                         }

                         @Override
                         public void onDisconnected(DisconnectInfo info) {
                             disconnects.incrementAndGet();
                         }
                     }).build()) {
            client.connect().get(30, TimeUnit.SECONDS);
            List<CompletableFuture<Void>> sends = new ArrayList<>(MESSAGES);
            for (int n = 1; n <= MESSAGES; n++) {
                sends.add(client.sendEvent("work", new JsonPrimitive(Integer.toString(n))));
            }
            Counter pauses = server.meterRegistry().get("ltp_backlog_pauses_total").counter();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pauses.count() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(pauses.count()).as("the backlog filled up and reading paused").isGreaterThanOrEqualTo(1);
            long start = System.nanoTime();
            release.countDown();
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            if (reply) {
                long replyDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (replies.size() < MESSAGES && System.nanoTime() < replyDeadline) {
                    Thread.sleep(1);
                }
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Sequences.assertOneToN("handled", handled, MESSAGES);
            if (reply) {
                Sequences.assertOneToN("replies", replies, MESSAGES);
            }
            assertThat(disconnects).as("the connection never dropped").hasValue(0);
            assertThat(server.meterRegistry().get("ltp_heartbeat_timeouts_total").counter().count()).isZero();
            return elapsed;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
