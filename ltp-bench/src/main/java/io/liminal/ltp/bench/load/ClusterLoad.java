package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.redis.RedisBus;
import io.liminal.ltp.redis.RedisThreadStore;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.transport.TransportLimits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The cluster's costs, as ratios to one node measured in the same run. Store and bus are one local Redis; clients
 * are {@code LtpClient}s with delivery-v1, so every push is logged before it fans out.
 *
 * <ol>
 *   <li><b>Push throughput.</b> {@code sessions} clients on node A; {@code window} pushes in flight per thread, a
 *   new one as each arrives. Single node: A pushes (A alone, no bus). Cross-node: node B pushes to A's
 *   connections through the bus. Alternating rounds.</li>
 *   <li><b>Push latency</b> at a fixed rate ({@code rate}/s, round robin over the threads): from {@code pushTo}
 *   to the client's listener, single node and cross-node, alternating rounds; the round with the median p99
 *   counts.</li>
 *   <li><b>Failover.</b> {@code failover} clients on node K, a process of its own, reached through a TCP proxy
 *   standing for the load balancer; node S runs here. S pushes 3 messages to every thread (cross-node), then K is
 *   killed with SIGKILL and the proxy sends new connections to S (a balancer that saw K fail), and S pushes 2 more
 *   to every thread. Measured: when each client has resumed its thread on S, and whether every client got all 5
 *   messages once and in order.</li>
 * </ol>
 *
 * <p>Clients, nodes and Redis share the host, and its noise moves single runs by up to 2x: compare the ratios of
 * one run, and give the JVM a fixed heap ({@code -Xms2g}) so that young collections stay rare.
 *
 * <pre>java -Xms2g -Xmx3g -cp ltp-bench.jar io.liminal.ltp.bench.load.ClusterLoad [--redis redis://127.0.0.1:6379/7]
 *     [--sessions 100] [--window 4] [--seconds 10] [--rounds 3] [--rate 2000] [--failover 1000] [--json FILE]</pre>
 */
public final class ClusterLoad {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int BEFORE_KILL = 3;
    private static final int AFTER_KILL = 2;

    private final String redis;
    private final int sessions;
    private final int window;
    private final int seconds;

    private ClusterLoad(String redis, int sessions, int window, int seconds) {
        this.redis = redis;
        this.sessions = sessions;
        this.window = window;
        this.seconds = seconds;
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String redis = "redis://127.0.0.1:6379/7";
        int sessions = 100;
        int window = 4;
        int seconds = 10;
        int rounds = 3;
        int rate = 2000;
        int failover = 1000;
        String json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--redis" -> redis = args[++i];
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--failover" -> failover = Integer.parseInt(args[++i]);
                case "--json" -> json = args[++i];
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; usage: [--redis URI] "
                        + "[--sessions N] [--window N] [--seconds N] [--rounds N] [--rate N] [--failover N] "
                        + "[--json FILE]");
            }
        }
        ClusterLoad load = new ClusterLoad(redis, sessions, window, seconds);
        double[] single = new double[rounds];
        double[] cross = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            single[round] = load.throughput(false);
            cross[round] = load.throughput(true);
            System.err.printf(Locale.ROOT, "round %d: single node %,.0f pushes/s, cross-node %,.0f pushes/s%n",
                    round + 1, single[round], cross[round]);
        }
        List<Histogram> singleLatencies = new ArrayList<>();
        List<Histogram> crossLatencies = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            singleLatencies.add(load.latency(false, rate));
            crossLatencies.add(load.latency(true, rate));
            System.err.printf(Locale.ROOT, "latency round %d at %d/s: p99 single node %.2f ms, cross-node %.2f ms%n",
                    round + 1, rate, p99Millis(singleLatencies.get(round)), p99Millis(crossLatencies.get(round)));
        }
        Histogram singleLatency = medianByP99(singleLatencies);
        Histogram crossLatency = medianByP99(crossLatencies);
        Failover outcome = load.failover(failover);

        double singleMedian = median(single);
        double crossMedian = median(cross);
        double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            ratios[round] = cross[round] / single[round];
        }
        double ratio = median(ratios); // each round's pair ran back to back, under the same host noise
        System.out.println(String.format(Locale.ROOT, "cluster: pushes/s single node %,.0f, cross-node %,.0f (%.0f%%);"
                + " at %d/s p99 single %.2f ms, cross-node %.2f ms; failover: %d/%d sessions resumed,"
                + " last after %.2f s,"
                + " %d lost or out of order (through %s)", singleMedian, crossMedian, 100 * ratio,
                rate, singleLatency.getValueAtPercentile(99) / 1e6, crossLatency.getValueAtPercentile(99) / 1e6,
                outcome.resumed, failover, outcome.lastResumeNanos / 1e9, outcome.lost, outcome.balancer));
        if (json != null) {
            JsonObject result = new JsonObject();
            result.addProperty("label", "cluster");
            result.addProperty("sessions", sessions);
            result.addProperty("window", window);
            result.addProperty("rounds", rounds);
            result.addProperty("single_push_per_second", singleMedian);
            result.addProperty("cross_push_per_second", crossMedian);
            result.addProperty("cross_to_single_ratio", ratio);
            com.google.gson.JsonArray perRound = new com.google.gson.JsonArray();
            for (int round = 0; round < rounds; round++) {
                com.google.gson.JsonArray pair = new com.google.gson.JsonArray();
                pair.add(single[round]);
                pair.add(cross[round]);
                perRound.add(pair);
            }
            result.add("rounds_single_cross", perRound);
            result.addProperty("rate", rate);
            result.addProperty("single_p50_ms", singleLatency.getValueAtPercentile(50) / 1e6);
            result.addProperty("single_p99_ms", singleLatency.getValueAtPercentile(99) / 1e6);
            result.addProperty("cross_p50_ms", crossLatency.getValueAtPercentile(50) / 1e6);
            result.addProperty("cross_p99_ms", crossLatency.getValueAtPercentile(99) / 1e6);
            result.addProperty("cross_max_ms", crossLatency.getMaxValue() / 1e6);
            com.google.gson.JsonArray p99Rounds = new com.google.gson.JsonArray();
            for (int round = 0; round < rounds; round++) {
                com.google.gson.JsonArray pair = new com.google.gson.JsonArray();
                pair.add(p99Millis(singleLatencies.get(round)));
                pair.add(p99Millis(crossLatencies.get(round)));
                p99Rounds.add(pair);
            }
            result.add("rounds_p99_single_cross_ms", p99Rounds);
            result.addProperty("failover_balancer", outcome.balancer);
            result.addProperty("failover_sessions", failover);
            result.addProperty("failover_resumed", outcome.resumed);
            result.addProperty("failover_p50_s", outcome.p50ResumeNanos / 1e9);
            result.addProperty("failover_last_s", outcome.lastResumeNanos / 1e9);
            result.addProperty("failover_lost", outcome.lost);
            Files.writeString(Path.of(json), result + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        System.exit(0); // LtpClient and Lettuce threads of the failed-over part may linger
    }

    // ---- Scenarios ------------------------------------------------------------------------------------------------

    /** Pushes per second that reach their client, with {@code window} in flight per thread. */
    private double throughput(boolean crossNode) throws Exception {
        try (Nodes nodes = new Nodes(crossNode); ClusterSessions all = new ClusterSessions(nodes.holder.port(), sessions)) {
            LtpServer pusher = nodes.pusher();
            for (ClusterSessions.Session session : all.list) {
                session.onPush = () -> pusher.pushTo(session.threadId, push(0));
            }
            all.list.forEach(session -> {
                for (int i = 0; i < window; i++) {
                    pusher.pushTo(session.threadId, push(0));
                }
            });
            TimeUnit.SECONDS.sleep(Math.max(2, seconds / 3)); // warm-up
            long before = all.received();
            long start = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            double perSecond = (all.received() - before) * 1e9 / (System.nanoTime() - start);
            all.list.forEach(session -> session.onPush = null);
            return perSecond;
        }
    }

    /** Latency from {@code pushTo} to the client's listener, at {@code rate} pushes per second. */
    private Histogram latency(boolean crossNode, int rate) throws Exception {
        try (Nodes nodes = new Nodes(crossNode); ClusterSessions all = new ClusterSessions(nodes.holder.port(), sessions)) {
            LtpServer pusher = nodes.pusher();
            Recorder recorder = new Recorder(3);
            all.list.forEach(session -> session.latency = recorder);
            openLoop(pusher, all, rate, Duration.ofSeconds(Math.max(2, seconds / 3))); // warm-up
            awaitTrue(() -> all.received() >= all.sent.get());
            recorder.getIntervalHistogram(); // forget the warm-up
            openLoop(pusher, all, rate, Duration.ofSeconds(seconds));
            awaitTrue(() -> all.received() >= all.sent.get());
            return recorder.getIntervalHistogram();
        }
    }

    private static void openLoop(LtpServer pusher, ClusterSessions all, int rate, Duration length)
            throws InterruptedException {
        List<ClusterSessions.Session> list = all.list;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long intervalNanos = (long) (1e9 / rate);
        long total = rate * length.toSeconds();
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> {
            long due = Math.min((System.nanoTime() - start) / intervalNanos + 1, total);
            while (next.get() < due) {
                long n = next.getAndIncrement();
                ClusterSessions.Session session = list.get((int) (n % list.size()));
                all.sent.incrementAndGet();
                pusher.pushTo(session.threadId, push(System.nanoTime()));
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        TimeUnit.MILLISECONDS.sleep(length.toMillis());
        ticker.shutdownNow();
        ticker.awaitTermination(5, TimeUnit.SECONDS);
    }

    private Failover failover(int count) throws Exception {
        String prefix = "ltp:"; // the standalone node's defaults, shared by the node here
        Process killed = startStandaloneNode();
        int killedPort = awaitPort(killed);
        LtpServer survivor = node("bench-survivor-" + UUID.randomUUID().toString().substring(0, 6), prefix, true);
        ClusterBalancer balancer = ClusterBalancer.start(killedPort, survivor.port());
        ClusterSessions all = null;
        try {
            all = new ClusterSessions(balancer.port(), count);
            ClusterSessions sessionsOnK = all;
            for (int i = 0; i < BEFORE_KILL; i++) {
                for (ClusterSessions.Session session : sessionsOnK.list) {
                    survivor.pushTo(session.threadId, sequenced(i));
                }
            }
            awaitTrue(() -> sessionsOnK.list.stream().allMatch(session -> session.lastSeq() == BEFORE_KILL - 1));

            long killedAt = System.nanoTime();
            sessionsOnK.list.forEach(session -> session.killedAt = killedAt);
            balancer.beforeKill();
            killed.destroyForcibly();
            for (int i = BEFORE_KILL; i < BEFORE_KILL + AFTER_KILL; i++) {
                for (ClusterSessions.Session session : sessionsOnK.list) {
                    survivor.pushTo(session.threadId, sequenced(i));
                }
            }
            int last = BEFORE_KILL + AFTER_KILL - 1;
            awaitTrue(() -> sessionsOnK.list.stream().allMatch(session -> session.resumedAfterKill > 0
                    && session.lastSeq() >= last));
            long[] resumeTimes = sessionsOnK.list.stream().filter(session -> session.resumedAfterKill > 0)
                    .mapToLong(session -> session.resumedAfterKill - killedAt).sorted().toArray();
            long lost = sessionsOnK.list.stream().filter(session -> !session.exactlyInOrder(last + 1)).count();
            return new Failover(balancer.name(), resumeTimes.length,
                    resumeTimes.length == 0 ? 0 : resumeTimes[resumeTimes.length / 2],
                    resumeTimes.length == 0 ? 0 : resumeTimes[resumeTimes.length - 1], lost);
        } finally {
            if (all != null) {
                all.close();
            }
            balancer.close();
            survivor.close();
            killed.destroyForcibly();
        }
    }

    private record Failover(String balancer, int resumed, long p50ResumeNanos, long lastResumeNanos, long lost) {
    }

    // ---- Nodes and sessions ---------------------------------------------------------------------------------------

    /** Node A holds the sessions; with {@code crossNode}, node B pushes (both on the bus), else A alone. */
    private final class Nodes implements AutoCloseable {
        final LtpServer holder;
        final LtpServer other;

        Nodes(boolean crossNode) {
            String prefix = "ltp-bench-" + UUID.randomUUID().toString().substring(0, 8) + ":";
            holder = node("a", prefix, crossNode);
            other = crossNode ? node("b", prefix, true) : null;
        }

        LtpServer pusher() {
            return other != null ? other : holder;
        }

        @Override
        public void close() {
            if (other != null) {
                other.close();
            }
            holder.close();
        }
    }

    private LtpServer node(String id, String prefix, boolean clustered) {
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .maxConnectionsPerClient(0)
                .peerLimits(PeerLimits.DEFAULTS.toBuilder().handshakesPerAddress(Allowance.UNLIMITED).build())
                .transportLimits(TransportLimits.DEFAULTS.toBuilder().maxPendingPerAddress(0).build())
                .threadStore(RedisThreadStore.builder(redis).keyPrefix(prefix).build());
        if (clustered) {
            builder.cluster(RedisBus.builder(redis).prefix(prefix).build()).nodeId(id);
        }
        return builder.build().start();
    }

    /** The standalone server as a process of its own (so that it can be killed), on the same store and bus. */
    private Process startStandaloneNode() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "io.liminal.ltp.server.internal.standalone.StandaloneMain").redirectErrorStream(true);
        builder.environment().putAll(java.util.Map.of("LTP_STORE", redis, "LTP_CLUSTER", redis, "LTP_HOST",
                "127.0.0.1", "PORT", "0", "LTP_NODE_ID", "bench-killed-" + UUID.randomUUID().toString().substring(0, 6),
                "LTP_RATE_LIMIT", "0", "LTP_HANDSHAKES_PER_ADDRESS", "0", "LTP_MAX_PENDING_PER_ADDRESS", "0",
                "LTP_HANDLER", "silent"));
        return builder.start();
    }

    private static int awaitPort(Process process) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("LTP server listening on ws://localhost:(\\d+)/");
        String line;
        while ((line = out.readLine()) != null) {
            Matcher matcher = listening.matcher(line);
            if (matcher.find()) {
                Thread drain = new Thread(() -> out.lines().forEach(ignored -> { }), "killed-node-output");
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new IllegalStateException("The standalone node did not start");
    }

    private static Envelope push(long sentAtNanos) {
        return Envelope.builder("event").payloadOwned(new EventPayload("push", new JsonPrimitive(sentAtNanos))
                .toJson()).build();
    }

    private static Envelope sequenced(int seq) {
        return Envelope.builder("event").payloadOwned(new EventPayload("seq", new JsonPrimitive(seq)).toJson())
                .build();
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    private static double p99Millis(Histogram histogram) {
        return histogram.getValueAtPercentile(99) / 1e6;
    }

    /** The round whose p99 is the median: one host hiccup moves a single round's tail by milliseconds. */
    private static Histogram medianByP99(List<Histogram> rounds) {
        List<Histogram> sorted = new ArrayList<>(rounds);
        sorted.sort(java.util.Comparator.comparingLong(histogram -> histogram.getValueAtPercentile(99)));
        return sorted.get(sorted.size() / 2);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
