package io.liminal.ltp.server.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {

    @Test
    @DisplayName("message counts from many threads add up exactly, in /metrics and in the application's registry")
    void countsFromManyThreads() throws Exception {
        SimpleMeterRegistry application = new SimpleMeterRegistry();
        ServerMetrics metrics = new ServerMetrics(application, () -> 0, () -> 0, () -> 0, () -> 0);
        int threads = 8;
        int perThread = 25_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    metrics.received("ping");
                    metrics.sent("pong");
                }
                metrics.received("event");
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(metrics.scrape()).contains("ltp_messages_received_total{type=\"ping\"} 200000.0",
                "ltp_messages_sent_total{type=\"pong\"} 200000.0", "ltp_messages_received_total{type=\"event\"} 8.0");
        FunctionCounter pings = application.get("ltp_messages_received_total").tag("type", "ping").functionCounter();
        assertThat(pings.count()).isEqualTo(threads * perThread);
    }

    @Test
    @DisplayName("types are bounded as tags, and a type appears once it was counted")
    void boundedTypes() {
        ServerMetrics metrics = new ServerMetrics(null, () -> 0, () -> 0, () -> 0, () -> 0);
        assertThat(metrics.scrape()).doesNotContain("ltp_messages_received_total");
        metrics.received("app:thing");
        metrics.received("other:thing");
        metrics.received("no-colon");
        metrics.received(":leading");
        metrics.received("state_update");
        assertThat(metrics.scrape()).contains("ltp_messages_received_total{type=\"custom\"} 2.0",
                "ltp_messages_received_total{type=\"other\"} 2.0",
                "ltp_messages_received_total{type=\"state_update\"} 1.0")
                .doesNotContain("app:thing", "no-colon", "type=\"pong\"");
    }

    @Test
    @DisplayName("past the row limit, further threads share adders and nothing is lost")
    void manyThreads() throws Exception {
        ServerMetrics metrics = new ServerMetrics(null, () -> 0, () -> 0, () -> 0, () -> 0);
        int threads = ThreadRowCounters.MAX_ROWS + 44;
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                metrics.sent("pong");
                metrics.sent("pong");
            });
            worker.start();
            worker.join();
        }
        assertThat(metrics.scrape()).contains("ltp_messages_sent_total{type=\"pong\"} " + (2.0 * threads));
    }

    @Test
    @DisplayName("/metrics carries the JVM's memory, GC, thread and process meters; the application's registry does not")
    void jvmMeters() {
        SimpleMeterRegistry application = new SimpleMeterRegistry();
        ServerMetrics metrics = new ServerMetrics(application, () -> 0, () -> 0, () -> 0, () -> 0);
        try {
            assertThat(metrics.scrape()).contains("jvm_memory_used_bytes{area=\"heap\"", "jvm_gc_live_data_size_bytes",
                    "jvm_threads_live_threads", "process_uptime_seconds", "jvm_classes_loaded_classes");
            assertThat(application.find("jvm_memory_used_bytes").meters()).isEmpty();
        } finally {
            metrics.close();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
