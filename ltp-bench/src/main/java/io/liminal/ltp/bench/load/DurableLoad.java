package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.bench.server.BenchServer;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * The durable path as applications use it: {@code sessions} ltp-clients with {@code delivery-v1} send events to an
 * ltp-server on a given store, whose handler answers each with a reply. Every message is numbered, handed to the
 * handler once, committed with its reply in one store write (the transactional outbox), acknowledged, and the
 * reply is numbered, logged, delivered and acknowledged by the client. Latency is from the send to the reply.
 *
 * <p>First the peak: each session keeps {@code window} messages in flight for {@code seconds}. Then the latency at
 * half of that peak: sends at a fixed total rate for {@code seconds}.
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.load.DurableLoad --store memory|sqlite:FILE|jdbc:...|redis://...
 *     [--sessions 100] [--window 8] [--seconds 10] [--no-delivery] [--app-threads N] [--rate R] [--label L]
 *     [--json FILE]</pre>
 *
 * <p>{@code --app-threads} gives the server an application executor of that many threads (default: the server's
 * own, max(2, cores)); {@code --rate} fixes the open-loop rate of the latency phase (default: half the
 * measured peak), to compare latencies at one rate.
 */
public final class DurableLoad {
    private DurableLoad() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String store = "memory";
        int sessions = 100;
        int window = 8;
        int seconds = 10;
        boolean delivery = true;
        int appThreads = 0;
        double rate = 0;
        String label = null;
        String json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--store" -> store = args[++i];
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--no-delivery" -> delivery = false;
                case "--app-threads" -> appThreads = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--label" -> label = args[++i];
                case "--json" -> json = args[++i];
                default -> throw new IllegalArgumentException("Unknown option " + args[i]
                        + "; usage: --store SPEC [--sessions N] [--window N] [--seconds N] [--no-delivery] [--app-threads N] [--rate R] "
                        + "[--label L] [--json FILE]");
            }
        }
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .maxConnectionsPerClient(0).handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        session.reply(Envelope.builder("event").payloadOwned(new EventPayload("reply",
                                event.data()).toJson()).build());
                    }
                });
        if (!"memory".equals(store)) {
            builder.threadStore(BenchServer.store(store));
        }
        if (appThreads > 0) {
            builder.applicationExecutor(Executors.newFixedThreadPool(appThreads, task -> {
                Thread thread = new Thread(task, "durable-app");
                thread.setDaemon(true);
                return thread;
            }));
        }
        try (LtpServer server = builder.build().start()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
            List<Session> all = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                all.add(new Session(uri, "durable-" + s, delivery));
            }
            try {
                closedLoop(all, window, Duration.ofSeconds(Math.max(2, seconds / 3))); // warm-up
                double peak = closedLoop(all, window, Duration.ofSeconds(seconds));
                Recorder latency = new Recorder(3);
                double offered = rate > 0 ? rate : peak / 2;
                double achieved = openLoop(all, offered, Duration.ofSeconds(seconds), latency);
                var histogram = latency.getIntervalHistogram();
                String name = label != null ? label : kind(store) + (delivery ? "" : "-plain");
                String line = String.format(Locale.ROOT, "durable %s: peak %,.0f msg/s (%d sessions, %d in flight "
                        + "each); at %,.0f msg/s (half): %,.0f answered/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms",
                        name, peak, sessions, window, offered, achieved, histogram.getValueAtPercentile(50) / 1e6,
                        histogram.getValueAtPercentile(99) / 1e6, histogram.getMaxValue() / 1e6);
                System.out.println(line);
                if (json != null) {
                    JsonObject result = new JsonObject();
                    result.addProperty("label", "durable-" + name);
                    result.addProperty("store", kind(store));
                    result.addProperty("delivery", delivery);
                    result.addProperty("sessions", sessions);
                    result.addProperty("peak_per_second", peak);
                    result.addProperty("half_load_per_second", achieved);
                    result.addProperty("p50_ms", histogram.getValueAtPercentile(50) / 1e6);
                    result.addProperty("p99_ms", histogram.getValueAtPercentile(99) / 1e6);
                    Files.writeString(Path.of(json), result + "\n", StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
            } finally {
                all.forEach(Session::close);
            }
        }
    }

    /** Each session keeps {@code window} messages unanswered; returns replies per second. */
    private static double closedLoop(List<Session> sessions, int window, Duration length) throws InterruptedException {
        long end = System.nanoTime() + length.toNanos();
        long before = answered(sessions);
        long start = System.nanoTime();
        List<Thread> drivers = new ArrayList<>();
        for (Session session : sessions) {
            Thread driver = new Thread(() -> {
                Semaphore slots = new Semaphore(window);
                session.onReply = slots::release;
                try {
                    while (System.nanoTime() < end) {
                        if (slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            session.send(null);
                        }
                    }
                    slots.acquire(window); // the window drains before the next phase
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    session.onReply = null;
                }
            });
            driver.start();
            drivers.add(driver);
        }
        for (Thread driver : drivers) {
            driver.join();
        }
        return (answered(sessions) - before) * 1e9 / (System.nanoTime() - start);
    }

    /** Sends at {@code rate} in total, round robin; returns replies per second. */
    private static double openLoop(List<Session> sessions, double rate, Duration length, Recorder latency)
            throws InterruptedException {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long intervalNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        long before = answered(sessions);
        AtomicLong next = new AtomicLong();
        long total = (long) (rate * length.toSeconds());
        ticker.scheduleAtFixedRate(() -> {
            long due = (System.nanoTime() - start) / intervalNanos + 1;
            while (next.get() < Math.min(due, total)) {
                long n = next.getAndIncrement();
                sessions.get((int) (n % sessions.size())).send(latency);
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        Thread.sleep(length.toMillis());
        ticker.shutdownNow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (answered(sessions) - before < next.get() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return (answered(sessions) - before) * 1e9 / (System.nanoTime() - start);
    }

    /** The store's kind, without paths or credentials: memory, sqlite, postgresql, redis. */
    static String kind(String spec) {
        if (spec.startsWith("sqlite:")) {
            return "sqlite";
        }
        if (spec.startsWith("jdbc:")) {
            return spec.split(":")[1];
        }
        if (spec.startsWith("redis")) {
            return "redis";
        }
        return spec;
    }

    private static long answered(List<Session> sessions) {
        return sessions.stream().mapToLong(s -> s.answered.get()).sum();
    }

    /** One client; replies come back in the order of their requests (one thread, one handler lane). */
    private static final class Session {
        final LtpClient client;
        final AtomicLong answered = new AtomicLong();
        final ConcurrentLinkedQueue<long[]> sent = new ConcurrentLinkedQueue<>();
        volatile Runnable onReply;
        private volatile Recorder recorder;

        Session(URI uri, String clientId, boolean delivery) throws Exception {
            LtpClient.Builder builder = LtpClient.builder(uri).clientId(clientId)
                    .offlineBuffer(100_000, 256L << 20, OverflowPolicy.FAIL)
                    .listener(new LtpClientListener() {
                        @Override
                        public void onEvent(EventPayload event, Envelope envelope) {
                            long[] at = sent.poll();
                            Recorder to = recorder;
                            if (at != null && to != null && at[0] != 0) {
                                to.recordValue(System.nanoTime() - at[0]);
                            }
                            answered.incrementAndGet();
                            Runnable then = onReply;
                            if (then != null) {
                                then.run();
                            }
                        }
                    });
            if (!delivery) {
                builder.noDelivery();
            }
            client = builder.build();
            client.connect().get(30, TimeUnit.SECONDS);
        }

        /** Sends one event; with a recorder, its reply's latency is recorded there. */
        void send(Recorder latency) {
            recorder = latency;
            sent.add(new long[] {latency == null ? 0 : System.nanoTime()});
            client.sendEvent("work", new JsonPrimitive("x".repeat(64)));
        }

        void close() {
            client.close();
        }
    }
}
