package io.liminal.ltp.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.session.ClientSessionMachine;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster as operators deploy it: three processes of the standalone jar behind real nginx configured by
 * {@code deploy/nginx/ltp.conf}, 300 delivery-v1 clients connected through nginx (one in ten over the sse-v1
 * binding), a backend pushing 20,000 messages through the admin API of random nodes to random threads while every
 * client sends events that the standalone application answers. Mid-run one node is killed with SIGKILL (and
 * started again, as an orchestrator would) and another is drained with SIGTERM.
 *
 * <p>Passes when every push reaches its thread's application once and in order, every client event is answered
 * once and in order, every client ends connected, and no node logged an ERROR. A push whose HTTP answer was lost
 * with the node has an unknown outcome: the backend sends it again, as docs/cluster.md tells backends to, and the
 * client application drops the copy by its sequence number; only such pushes may arrive twice.
 *
 * <p>Runs on one Redis (thread store and bus) and on a three-master Redis Cluster as the bus with PostgreSQL as the
 * store.
 */
@Timeout(600)
class LoadBalancedClusterIT {
    private static final int CLIENTS = 300;
    private static final int PUSHES = 20_000;
    private static final int SENDS_PER_CLIENT = 10;
    private static final int BACKEND_WORKERS = 25;
    private static final String TOKEN = "load-balanced-cluster-token-0123";
    /** A bound against a hang, not a speed target: the Redis Cluster + PostgreSQL run takes 90-140 s on 2 cores. */
    private static final Duration FINISH = Duration.ofSeconds(240);
    private static final String POSTGRES = System.getenv().getOrDefault("LTP_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    @TempDir
    Path directory;
    private final List<StandaloneNode> nodes = new ArrayList<>();
    private final List<Peer> peers = new ArrayList<>();
    private NginxProcess nginx;
    private RedisClusterProcesses redisCluster;

    @AfterEach
    void stop() {
        peers.forEach(peer -> peer.client.close());
        if (nginx != null) {
            nginx.close();
        }
        nodes.forEach(StandaloneNode::close);
        if (redisCluster != null) {
            redisCluster.close();
        }
    }

    @Test
    void oneRedisAsStoreAndBus() throws Exception {
        run(Map.of("LTP_STORE", ClusterFixture.REDIS, "LTP_CLUSTER", ClusterFixture.REDIS));
    }

    @Test
    void redisClusterAsBusWithPostgresAsStore() throws Exception {
        redisCluster = RedisClusterProcesses.start(directory);
        run(Map.of("LTP_STORE", POSTGRES, "LTP_CLUSTER", redisCluster.uri()));
    }

    private void run(Map<String, String> storeAndBus) throws Exception {
        Map<String, String> env = new HashMap<>(storeAndBus);
        env.put("LTP_ADMIN_TOKEN", TOKEN);
        env.put("LTP_SHUTDOWN_GRACE_MS", "5000");
        // Every client comes through nginx from 127.0.0.1: per-address limits would count them all as one.
        env.put("LTP_RATE_LIMIT", "0");
        env.put("LTP_HANDSHAKES_PER_ADDRESS", "0");
        env.put("LTP_MAX_PENDING_PER_ADDRESS", "0");
        String run = UUID.randomUUID().toString().substring(0, 6);
        for (int i = 0; i < 3; i++) {
            nodes.add(new StandaloneNode("n" + i + "-" + run, freePort(), freePort(), env, directory));
        }
        CompletableFuture.allOf(nodes.stream().map(node -> CompletableFuture.runAsync(node::start))
                .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        int balancer = freePort();
        nginx = NginxProcess.start(directory, balancer, nodes.stream().map(StandaloneNode::port).toList());

        connectClients(URI.create("ws://127.0.0.1:" + balancer + "/"));
        assertThat(connections(nodes.get(0))).as("the node to be killed holds clients").isPositive();
        assertThat(connections(nodes.get(1))).as("the node to be drained holds clients").isPositive();

        Backend backend = new Backend();
        backend.run();

        awaitEverything(backend);
        for (Peer peer : peers) {
            peer.assertExactlyOnceInOrder(backend.sent(peer.index), backend.uncertain(peer.index));
        }
        for (Peer peer : peers) {
            assertThat(peer.client.state()).as("client %d", peer.index).isEqualTo(ClientSessionMachine.State.CONNECTED);
            assertThat(peer.client.transport()).as("client %d", peer.index)
                    .isEqualTo(peer.index % 10 == 0 ? Transport.SSE : Transport.WEBSOCKET);
        }
        for (StandaloneNode node : nodes) {
            assertThat(node.errors()).as("ERROR lines in %s", node.log()).isEmpty();
        }
        int duplicates = peers.stream().mapToInt(Peer::duplicates).sum();
        System.out.printf("%s: %d pushes, %d sent again after a lost answer, %d copies dropped by the clients,"
                + " %d client events%n", storeAndBus, PUSHES, backend.resent.get(), duplicates,
                CLIENTS * SENDS_PER_CLIENT);
    }

    private void connectClients(URI uri) throws Exception {
        for (int i = 0; i < CLIENTS; i++) {
            peers.add(new Peer(i, uri));
        }
        CompletableFuture.allOf(peers.stream().map(peer -> peer.client.connect()).toArray(CompletableFuture[]::new))
                .get(120, TimeUnit.SECONDS);
    }

    private void awaitEverything(Backend backend) throws InterruptedException {
        long deadline = System.nanoTime() + FINISH.toNanos();
        for (Peer peer : peers) {
            peer.await(backend.sent(peer.index), deadline);
        }
    }

    private static int connections(StandaloneNode node) {
        return JsonParser.parseString(node.get("/health").body()).getAsJsonObject().get("connections").getAsInt();
    }

    /** A client and its application: what it received, checked against what was sent. */
    private static final class Peer {
        final int index;
        final LtpClient client;
        private int lastPush = -1;
        private final List<Integer> duplicates = new ArrayList<>();
        private final List<String> gaps = new ArrayList<>();
        private final List<String> replies = new ArrayList<>();

        Peer(int index, URI uri) {
            this.index = index;
            this.client = LtpClient.builder(uri)
                    .clientId("lb-client-" + index + "-" + UUID.randomUUID())
                    // Every tenth client rides the sse-v1 fallback: nginx routes its stream and posts to one node.
                    .transports(index % 10 == 0 ? new Transport[] {Transport.SSE}
                            : new Transport[] {Transport.WEBSOCKET})
                    .retry(LtpClient.retryConfig(Integer.MAX_VALUE - 1, Duration.ofMillis(50), Duration.ofMillis(500),
                            0.5))
                    .noCircuitBreaker()
                    .listener(new LtpClientListener() {
                        @Override
                        public void onEvent(EventPayload event, Envelope envelope) {
                            received(event);
                        }
                    })
                    .build();
        }

        private synchronized void received(EventPayload event) {
            if ("event_received".equals(event.eventType())) {
                replies.add(event.data().getAsJsonObject().get("original_event").getAsString());
            } else {
                int seq = Integer.parseInt(event.data().getAsString().substring(2));
                if (seq == lastPush + 1) {
                    lastPush = seq;
                } else if (seq <= lastPush) {
                    duplicates.add(seq); // the application drops it: it has seen this sequence number
                } else {
                    gaps.add("expected p-" + (lastPush + 1) + " but got p-" + seq);
                    lastPush = seq;
                }
            }
            notifyAll();
        }

        synchronized int duplicates() {
            return duplicates.size();
        }

        synchronized void await(int pushes, long deadline) throws InterruptedException {
            while ((lastPush < pushes - 1 || replies.size() < SENDS_PER_CLIENT) && System.nanoTime() < deadline) {
                TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
            }
        }

        synchronized void assertExactlyOnceInOrder(int pushes, Set<Integer> uncertain) {
            assertThat(gaps).as("client %d: pushes lost or out of order", index).isEmpty();
            assertThat(lastPush).as("client %d: last push received", index).isEqualTo(pushes - 1);
            assertThat(uncertain).as("client %d: pushes received twice were sent twice", index)
                    .containsAll(duplicates);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < SENDS_PER_CLIENT; i++) {
                expected.add("c-" + i);
            }
            assertThat(replies).as("client %d: its events, each answered once, in order", index)
                    .containsExactlyElementsOf(expected);
        }
    }

    /**
     * The backend: workers that each own a share of the threads, so a thread's pushes go out one after another and
     * their order is defined. A push goes to a random live node's admin API and is sent again, elsewhere, until a
     * node answers for it; an answer lost with its node leaves the outcome unknown and is recorded. Every
     * {@code PUSHES / SENDS_PER_CLIENT} pushes, every client sends an event; a third of the way through, one node
     * is killed and started again; two thirds through, another is drained.
     */
    private final class Backend {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final AtomicInteger done = new AtomicInteger();
        private final AtomicInteger resent = new AtomicInteger();
        private final int[] sent = new int[CLIENTS];
        private final List<Set<Integer>> uncertain = new ArrayList<>();
        private final AtomicReferenceArray<Boolean> up = new AtomicReferenceArray<>(new Boolean[] {true, true, true});
        private final ExecutorService faults = Executors.newFixedThreadPool(2);
        /** One thread: each client's events go out in round order. */
        private final ExecutorService sender = Executors.newSingleThreadExecutor();
        private final List<CompletableFuture<?>> sideWork = new ArrayList<>();

        Backend() {
            for (int i = 0; i < CLIENTS; i++) {
                uncertain.add(new HashSet<>());
            }
        }

        synchronized int sent(int thread) {
            return sent[thread];
        }

        synchronized Set<Integer> uncertain(int thread) {
            return uncertain.get(thread);
        }

        void run() throws Exception {
            ExecutorService workers = Executors.newFixedThreadPool(BACKEND_WORKERS);
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int w = 0; w < BACKEND_WORKERS; w++) {
                int worker = w;
                running.add(CompletableFuture.runAsync(() -> work(worker), workers));
            }
            try {
                CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(FINISH.toSeconds(),
                        TimeUnit.SECONDS);
                List<CompletableFuture<?>> all;
                synchronized (sideWork) {
                    all = List.copyOf(sideWork);
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(FINISH.toSeconds(),
                        TimeUnit.SECONDS);
            } finally {
                workers.shutdownNow();
                faults.shutdown();
                sender.shutdown();
            }
        }

        private void work(int worker) {
            List<Integer> owned = new ArrayList<>();
            for (int t = worker; t < CLIENTS; t += BACKEND_WORKERS) {
                owned.add(t);
            }
            for (int i = 0; i < PUSHES / BACKEND_WORKERS; i++) {
                int thread = owned.get(ThreadLocalRandom.current().nextInt(owned.size()));
                int seq;
                synchronized (this) {
                    seq = sent[thread];
                }
                push(thread, seq);
                synchronized (this) {
                    sent[thread] = seq + 1;
                }
                afterPush(done.incrementAndGet());
            }
        }

        /** Sends until a node answers for the push (200, or 503 "cluster unavailable": logged, delivered later). */
        private void push(int thread, int seq) {
            String body = "{\"thread_id\":\"" + peers.get(thread).client.threadId() + "\",\"envelope\":{\"type\":"
                    + "\"event\",\"payload\":{\"event_type\":\"note\",\"data\":\"p-" + seq + "\"}}}";
            for (int attempt = 0; attempt < 200; attempt++) {
                StandaloneNode node = randomLiveNode();
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
                                + "/admin/push")).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                try {
                    HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 200 || answer.body().contains("cluster unavailable")) {
                        return;
                    }
                    if (answer.statusCode() != 503) {
                        throw new AssertionError("push answered " + answer.statusCode() + ": " + answer.body());
                    }
                    markUncertain(thread, seq); // the store refused: a commit whose answer was lost is possible
                } catch (ConnectException refused) {
                    // nothing was sent: simply another node
                } catch (IOException lost) {
                    markUncertain(thread, seq);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            throw new AssertionError("push p-" + seq + " to thread " + thread + " never answered");
        }

        private synchronized void markUncertain(int thread, int seq) {
            uncertain.get(thread).add(seq);
            resent.incrementAndGet();
        }

        private StandaloneNode randomLiveNode() {
            while (true) {
                int i = ThreadLocalRandom.current().nextInt(nodes.size());
                if (up.get(i)) {
                    return nodes.get(i);
                }
            }
        }

        private void afterPush(int count) {
            if (count % (PUSHES / SENDS_PER_CLIENT) == 0) {
                int round = count / (PUSHES / SENDS_PER_CLIENT) - 1;
                background(sender, () -> peers.forEach(peer -> peer.client.sendEvent("c-" + round,
                        new JsonPrimitive(round))));
            }
            if (count == PUSHES / 3) {
                background(faults, () -> {
                    StandaloneNode killed = nodes.get(0);
                    killed.kill();
                    up.set(0, false);
                    killed.start(); // as an orchestrator would
                    up.set(0, true);
                });
            }
            if (count == 2 * PUSHES / 3) {
                background(faults, () -> {
                    nodes.get(1).drain();
                    up.set(1, false);
                });
            }
        }

        private void background(ExecutorService executor, Runnable task) {
            synchronized (sideWork) {
                sideWork.add(CompletableFuture.runAsync(task, executor));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
