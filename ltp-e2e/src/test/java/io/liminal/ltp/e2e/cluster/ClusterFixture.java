package io.liminal.ltp.e2e.cluster;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.redis.RedisBus;
import io.liminal.ltp.redis.RedisThreadStore;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Nodes of a cluster in the test's JVM, sharing a thread store and a bus in Redis under a key prefix of their own,
 * and LtpClients (delivery-v1) connected to them. The bus is one Redis server or a Redis Cluster; the fixture's
 * own Redis connection reaches the bus's keys and channels either way. Closes everything it made.
 */
final class ClusterFixture implements AutoCloseable {
    static final String REDIS = System.getenv().getOrDefault("LTP_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    static final String TOKEN = "cluster-admin-token-0123456789";
    static final Duration WAIT = Duration.ofSeconds(20);

    final String prefix = "ltp-cluster-it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final String busUri;
    private final RedisClusterProcesses busCluster;
    private final List<LtpServer> nodes = new ArrayList<>();
    private final List<LtpClient> clients = new ArrayList<>();
    private final List<AutoCloseable> redisConnections = new ArrayList<>();
    private RedisClusterCommands<String, String> busRedis;

    /** Store and bus in the shared Redis. */
    ClusterFixture() {
        this(REDIS);
    }

    /** The store in the shared Redis, the bus in the Redis at {@code busUri}. */
    ClusterFixture(String busUri) {
        this.busUri = busUri;
        this.busCluster = null;
    }

    /** The store in the shared Redis, the bus on a Redis Cluster (sharded channels). */
    ClusterFixture(RedisClusterProcesses busCluster) {
        this.busUri = busCluster.uri();
        this.busCluster = busCluster;
    }

    private RedisBus bus() {
        RedisBus.Builder builder = busCluster == null
                ? RedisBus.builder(busUri)
                : RedisBus.clusterBuilder(List.of(busCluster.seed()));
        return builder.prefix(prefix).presenceTtl(Duration.ofSeconds(3)).build();
    }

    LtpServer node(String id) {
        return node(id, builder -> builder);
    }

    /** Starts a node; {@code more} adds to or changes its builder. */
    LtpServer node(String id, UnaryOperator<LtpServer.Builder> more) {
        LtpServer.Builder builder = LtpServer.builder()
                .host("127.0.0.1")
                .port(0)
                .noRateLimit()
                .adminToken(TOKEN)
                .threadStore(RedisThreadStore.builder(REDIS).keyPrefix(prefix).build())
                .cluster(bus())
                .nodeId(id);
        LtpServer server = more.apply(builder).build().start();
        nodes.add(server);
        return server;
    }

    /** A connected LtpClient with delivery-v1 that retries quickly and without end. */
    LtpClient client(int port, Inbox inbox) {
        LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + port))
                .clientId("cluster-client-" + UUID.randomUUID())
                .retry(LtpClient.retryConfig(Integer.MAX_VALUE - 1, Duration.ofMillis(50), Duration.ofMillis(200), 0))
                .noCircuitBreaker()
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        inbox.add(event.data().getAsString());
                    }
                })
                .build();
        clients.add(client);
        client.connect().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        awaitListened(client.threadId());
        return client;
    }

    /**
     * Waits until a node listens on the thread's channel: a node subscribes just after the handshake, and a push
     * in between reaches the client from the log without being counted (docs/cluster.md).
     */
    void awaitListened(String threadId) {
        String channel = threadChannel(threadId);
        try {
            if (!eventually(() -> listeners(channel) > 0)) {
                throw new AssertionError("No node listens on " + channel);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    String threadChannel(String threadId) {
        return prefix + "thread:{" + threadId + "}";
    }

    /** Commands on the bus's Redis (routed by slot on a Redis Cluster). */
    synchronized RedisClusterCommands<String, String> busRedis() {
        if (busRedis == null) {
            if (busCluster == null) {
                RedisClient redis = RedisClient.create(busUri);
                redisConnections.add(redis::shutdown);
                busRedis = redis.connect().sync();
            } else {
                RedisClusterClient redis = RedisClusterClient.create(RedisURI.create(busCluster.seed()));
                redisConnections.add(redis::shutdown);
                busRedis = redis.connect().sync();
            }
        }
        return busRedis;
    }

    /** How many connections listen on a bus channel (sharded channels counted on the shard that owns them). */
    long listeners(String channel) {
        RedisClusterCommands<String, String> redis = busRedis();
        if (busCluster == null) {
            return redis.pubsubNumsub(channel).getOrDefault(channel, 0L);
        }
        @SuppressWarnings("unchecked")
        StatefulRedisClusterConnection<String, String> connection =
                ((io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands<String, String>) redis)
                        .getStatefulConnection();
        RedisClusterNode owner = connection.getPartitions().getPartitionBySlot(SlotHash.getSlot(channel));
        return connection.getConnection(owner.getNodeId()).sync().pubsubShardNumsub(channel)
                .getOrDefault(channel, 0L);
    }

    /** Subscribes a connection that listens on a bus channel and never answers, until the fixture closes. */
    void listenSilently(String channel) {
        if (busCluster == null) {
            RedisClient redis = RedisClient.create(busUri);
            redisConnections.add(redis::shutdown);
            StatefulRedisPubSubConnection<String, String> mute = redis.connectPubSub();
            mute.sync().subscribe(channel);
        } else {
            RedisClusterClient redis = RedisClusterClient.create(RedisURI.create(busCluster.seed()));
            redisConnections.add(redis::shutdown);
            StatefulRedisPubSubConnection<String, String> mute = redis.connectPubSub();
            mute.sync().ssubscribe(channel);
        }
    }

    @Override
    public void close() {
        clients.forEach(LtpClient::close);
        nodes.forEach(LtpServer::close);
        for (AutoCloseable connection : redisConnections) {
            try {
                connection.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A handler that answers every client event with an event {@code echo-<data>}. */
    static LtpHandler echo() {
        return new LtpHandler() {
            @Override
            public void onEvent(io.liminal.ltp.server.SessionContext session, EventPayload event) {
                session.reply(event("echo-" + event.data().getAsString()));
            }
        };
    }

    static Envelope event(String data) {
        return Envelope.builder("event").payloadOwned(new EventPayload("note", new JsonPrimitive(data)).toJson())
                .build();
    }

    /** Waits until {@code condition} holds, up to {@link #WAIT}; whether it did. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling an HTTP endpoint: there is nothing to wait on
        }
        return true;
    }

    static HttpResponse<String> get(LtpServer server, String path) {
        return send(HttpRequest.newBuilder(uri(server, path)).timeout(WAIT).build());
    }

    static HttpResponse<String> post(LtpServer server, String path, String body, String token) {
        return send(HttpRequest.newBuilder(uri(server, path)).timeout(WAIT)
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static URI uri(LtpServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static double counter(LtpServer server, String name) {
        Counter counter = server.meterRegistry().find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    static double counter(LtpServer server, String name, String tag, String value) {
        Counter counter = server.meterRegistry().find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    /** What a client received, in order. */
    static final class Inbox {
        private final List<String> events = new ArrayList<>();

        synchronized void add(String event) {
            events.add(event);
            notifyAll();
        }

        /** Waits until {@code count} events arrived; what arrived by then. */
        synchronized List<String> await(int count) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (events.size() < count && System.nanoTime() < deadline) {
                TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
            }
            return List.copyOf(events);
        }

        synchronized List<String> now() {
            return List.copyOf(events);
        }
    }
}
