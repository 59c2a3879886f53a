package io.liminal.ltp.bench.load;

import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/** The benchmark's clients: LtpClients with delivery-v1 that count, time and check the pushes they get. */
final class ClusterSessions implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(60);

    final List<Session> list = new ArrayList<>();
    /** Pushes sent at a fixed rate, to tell when all arrived. */
    final AtomicLong sent = new AtomicLong();

    ClusterSessions(int port, int count) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + port + "/");
        List<CompletableFuture<Void>> connected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Session session = new Session(uri);
            list.add(session);
            connected.add(session.client.connect());
        }
        CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(),
                TimeUnit.SECONDS);
        list.forEach(session -> session.threadId = session.client.threadId());
    }

    long received() {
        return list.stream().mapToLong(session -> session.received.get()).sum();
    }

    @Override
    public void close() {
        list.forEach(session -> session.client.close());
    }

    /** One client: counts pushes, records their latency, checks sequence numbers. */
    static final class Session {
        final LtpClient client;
        final AtomicLong received = new AtomicLong();
        volatile String threadId;
        volatile Runnable onPush;
        volatile Recorder latency;
        volatile long killedAt;
        volatile long resumedAfterKill;

        private final List<Integer> sequence = new ArrayList<>();

        Session(URI uri) {
            client = LtpClient.builder(uri).clientId("bench-cluster-" + UUID.randomUUID())
                    .retry(LtpClient.retryConfig(Integer.MAX_VALUE - 1, Duration.ofMillis(50), Duration.ofMillis(500),
                            0.5))
                    .noCircuitBreaker()
                    .listener(new LtpClientListener() {
                        @Override
                        public void onConnected(String thread, String session, boolean resumed) {
                            if (killedAt != 0 && resumed && resumedAfterKill == 0) {
                                resumedAfterKill = System.nanoTime();
                            }
                        }

                        @Override
                        public void onEvent(EventPayload event, Envelope envelope) {
                            received(event);
                        }
                    })
                    .build();
        }

        private void received(EventPayload event) {
            received.incrementAndGet();
            if ("seq".equals(event.eventType())) {
                synchronized (sequence) {
                    sequence.add(event.data().getAsInt());
                }
                return;
            }
            Recorder to = latency;
            long sentAt = event.data().getAsLong();
            if (to != null && sentAt != 0) {
                to.recordValue(System.nanoTime() - sentAt);
            }
            Runnable then = onPush;
            if (then != null) {
                then.run();
            }
        }

        int lastSeq() {
            synchronized (sequence) {
                return sequence.isEmpty() ? -1 : sequence.get(sequence.size() - 1);
            }
        }

        boolean exactlyInOrder(int count) {
            synchronized (sequence) {
                if (sequence.size() != count) {
                    return false;
                }
                for (int i = 0; i < count; i++) {
                    if (sequence.get(i) != i) {
                        return false;
                    }
                }
                return true;
            }
        }
    }
}
