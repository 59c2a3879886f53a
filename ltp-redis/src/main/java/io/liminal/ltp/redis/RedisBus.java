package io.liminal.ltp.redis;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.cluster.ClusterNode;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ClusterBus} on one Redis server: Redis pub/sub carries the messages, sorted sets with expiring scores
 * record presence.
 *
 * <pre>{@code
 * LtpServer.builder()
 *         .threadStore(RedisThreadStore.builder("redis://10.0.0.5:6379").build())
 *         .cluster(RedisBus.builder("redis://10.0.0.5:6379").build())
 *         .nodeId("ltp-1")
 * }</pre>
 *
 * <p>Channels and keys, with the default prefix {@code ltp:}: {@code ltp:node:N} (node N's channel),
 * {@code ltp:all} (every node), {@code ltp:thread:T} (nodes holding thread T); {@code ltp:nodes} (node ids scored
 * by when their presence expires), {@code ltp:node-info:N} (a node's address, expiring), and {@code ltp:{T}:nodes}
 * (the nodes holding thread T, scored the same way). A node refreshes its entries every third of
 * {@link Builder#presenceTtl}; a node that dies stops refreshing and its entries expire by themselves.
 *
 * <p>While the connection to Redis is down, publishing fails at once (the server counts it and fails the push's
 * future): nothing is queued to be sent later. A message already written to a Redis that stalls is passed on if it
 * wakes up. Lettuce reconnects by itself; on reconnection the bus listens again on every
 * thread the node holds and restores its presence.
 */
public final class RedisBus implements ClusterBus {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    private static final CompletableFuture<Long> NOT_CONNECTED = CompletableFuture.failedFuture(
            new IllegalStateException("Redis bus not connected yet"));

    private final RedisURI uri;
    private final String prefix;
    private final Duration presenceTtl;
    private final Clock clock;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private RedisClient client;
    private ClientResources resources;
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> subscriptions;
    private volatile ScheduledExecutorService refresher;
    private volatile ClusterNode node;
    private volatile Receiver receiver;
    private volatile boolean commandsUp;
    private volatile boolean subscriptionsUp;
    private volatile boolean reported;
    private volatile long lastAnswerNanos = System.nanoTime();

    private RedisBus(Builder builder) {
        this.uri = builder.uri;
        this.prefix = builder.prefix;
        this.presenceTtl = builder.presenceTtl;
        this.clock = builder.clock;
    }

    /** A builder for the Redis at {@code uri} ({@code redis://[password@]host[:port][/database]}, or rediss://). */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public CompletableFuture<Void> start(ClusterNode node, Receiver receiver) {
        this.node = Objects.requireNonNull(node, "node");
        this.receiver = Objects.requireNonNull(receiver, "receiver");
        // Reconnect within a second of Redis coming back (Lettuce's default backs off to 30 s).
        resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                connectionChanged(connection, true);
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                connectionChanged(connection, false);
            }
        });
        refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ltp-redis-bus");
            thread.setDaemon(true);
            return thread;
        });
        CompletableFuture<Void> started = new CompletableFuture<>();
        refresher.execute(() -> connect(started));
        long period = Math.max(1, presenceTtl.toMillis() / 3);
        refresher.scheduleWithFixedDelay(this::refreshPresence, period, period, TimeUnit.MILLISECONDS);
        refresher.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return started;
    }

    /**
     * Opens both connections; retried every second until Redis answers (Lettuce reconnects by itself only once a
     * first connection was made). On the bus's own thread.
     */
    private void connect(CompletableFuture<Void> started) {
        if (closed.get()) {
            return;
        }
        try {
            if (commands == null) {
                commands = client.connect();
            }
            StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
            pubSub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    receiver.onMessage(message);
                }
            });
            List<String> channels = new ArrayList<>();
            channels.add(nodeChannel(node.id()));
            channels.add(prefix + "all");
            held.forEach(threadId -> channels.add(threadChannel(threadId)));
            pubSub.sync().subscribe(channels.toArray(String[]::new));
            subscriptions = pubSub;
            commandsUp = true;
            subscriptionsUp = true;
            lastAnswerNanos = System.nanoTime();
            refreshPresence();
            report();
            started.complete(null);
        } catch (RuntimeException e) {
            if (!started.isDone()) {
                started.completeExceptionally(e);
            }
            LOG.debug("Redis bus could not connect ({}); retrying", e.toString());
            refresher.schedule(() -> connect(new CompletableFuture<>()), 1, TimeUnit.SECONDS);
        }
    }

    /** Lettuce tells each connection's state; the bus is up when both are. */
    private void connectionChanged(RedisChannelHandler<?, ?> connection, boolean up) {
        if (closed.get()) {
            return;
        }
        if (connection == subscriptions) {
            subscriptionsUp = up;
            if (up && !held.isEmpty()) {
                // Lettuce resubscribes what it knew of; a hold that failed while Redis was away is done here.
                subscriptions.async().subscribe(held.stream().map(this::threadChannel).toArray(String[]::new));
            }
        } else if (connection == commands) {
            commandsUp = up;
            if (up) {
                refresher.execute(this::refreshPresence);
            }
        } else {
            return; // a connection being opened: connect() reports it
        }
        report();
    }

    /** Tells the server when the bus as a whole went down or came back. */
    private void report() {
        boolean now = connected();
        synchronized (this) {
            if (now == reported) {
                return;
            }
            reported = now;
        }
        receiver.onConnectionChanged(now); // outside the lock; the server re-reads connected() anyway
    }

    @Override
    public CompletableFuture<Void> hold(String threadId) {
        held.add(threadId);
        if (commands == null || subscriptions == null || closed.get()) {
            return CompletableFuture.completedFuture(null); // subscribed with the others when connected
        }
        long expiry = clock.millis() + presenceTtl.toMillis();
        RedisAsyncCommands<String, String> redis = commands.async();
        redis.zadd(threadNodesKey(threadId), expiry, node.id());
        redis.pexpire(threadNodesKey(threadId), presenceTtl.toMillis());
        return subscriptions.async().subscribe(threadChannel(threadId)).toCompletableFuture();
    }

    @Override
    public void release(String threadId) {
        held.remove(threadId);
        if (commands == null || subscriptions == null || closed.get()) {
            return;
        }
        subscriptions.async().unsubscribe(threadChannel(threadId));
        commands.async().zrem(threadNodesKey(threadId), node.id());
    }

    @Override
    public CompletableFuture<Long> publishToThread(String threadId, String message) {
        return publish(threadChannel(threadId), message);
    }

    @Override
    public CompletableFuture<Long> publishToAll(String message) {
        return publish(prefix + "all", message);
    }

    @Override
    public CompletableFuture<Long> publishToNode(String nodeId, String message) {
        return publish(nodeChannel(nodeId), message);
    }

    private CompletableFuture<Long> publish(String channel, String message) {
        if (commands == null || closed.get()) {
            return NOT_CONNECTED;
        }
        try {
            return commands.async().publish(channel, message).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<List<ClusterNode>> nodes() {
        if (commands == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis bus not connected yet"));
        }
        RedisAsyncCommands<String, String> redis = commands.async();
        return redis.zrangebyscore(prefix + "nodes", Range.create((double) clock.millis(), Double.MAX_VALUE))
                .toCompletableFuture()
                .thenCompose(ids -> {
                    if (ids.isEmpty()) {
                        return CompletableFuture.completedFuture(List.<ClusterNode>of());
                    }
                    String[] keys = ids.stream().map(id -> prefix + "node-info:" + id).toArray(String[]::new);
                    return redis.mget(keys).toCompletableFuture().thenApply(values -> {
                        List<ClusterNode> nodes = new ArrayList<>(values.size());
                        for (int i = 0; i < values.size(); i++) {
                            String id = ids.get(i);
                            String info = values.get(i).getValueOrElse(null);
                            nodes.add(info == null ? new ClusterNode(id, "", 0) : fromJson(id, info));
                        }
                        return nodes;
                    });
                });
    }

    /**
     * Whether the bus can reach Redis now: both connections are up and Redis answered a ping lately. A paused or
     * unreachable Redis keeps TCP connections open; only the missing answers tell.
     */
    @Override
    public boolean connected() {
        return commandsUp && subscriptionsUp && !closed.get()
                && System.nanoTime() - lastAnswerNanos < 3 * PROBE_INTERVAL.toNanos();
    }

    /** Pings Redis, and tells the server when the bus went quiet or answers again. */
    private void probe() {
        StatefulRedisConnection<String, String> connection = commands;
        if (closed.get() || connection == null) {
            return;
        }
        try {
            connection.async().ping().toCompletableFuture().orTimeout(PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((pong, error) -> {
                        if (error == null) {
                            lastAnswerNanos = System.nanoTime();
                        }
                        report();
                    });
        } catch (RuntimeException e) {
            report();
        }
    }

    /** Keeps this node's entries, and those of the threads it holds, from expiring. */
    private void refreshPresence() {
        if (closed.get() || commands == null || node == null) {
            return;
        }
        try {
            long now = clock.millis();
            long expiry = now + presenceTtl.toMillis();
            RedisAsyncCommands<String, String> redis = commands.async();
            redis.zadd(prefix + "nodes", expiry, node.id());
            redis.zremrangebyscore(prefix + "nodes", Range.create(Double.NEGATIVE_INFINITY, (double) now));
            redis.set(prefix + "node-info:" + node.id(), toJson(node), SetArgs.Builder.px(presenceTtl.toMillis()));
            for (String threadId : held) {
                redis.zadd(threadNodesKey(threadId), expiry, node.id());
                redis.pexpire(threadNodesKey(threadId), presenceTtl.toMillis());
            }
        } catch (RuntimeException e) {
            LOG.debug("Presence refresh failed: {}", e.toString()); // the next one retries
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (refresher != null) {
            refresher.shutdownNow();
        }
        try {
            if (commands != null && commands.isOpen()) {
                RedisAsyncCommands<String, String> redis = commands.async();
                List<CompletableFuture<?>> removals = new ArrayList<>();
                removals.add(redis.zrem(prefix + "nodes", node.id()).toCompletableFuture());
                removals.add(redis.del(prefix + "node-info:" + node.id()).toCompletableFuture());
                for (String threadId : held) {
                    removals.add(redis.zrem(threadNodesKey(threadId), node.id()).toCompletableFuture());
                }
                CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.debug("Could not remove this node's presence; it expires by itself: {}", e.toString());
        } finally {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    private String nodeChannel(String nodeId) {
        return prefix + "node:" + nodeId;
    }

    private String threadChannel(String threadId) {
        return prefix + "thread:" + threadId;
    }

    private String threadNodesKey(String threadId) {
        return prefix + "{" + threadId + "}:nodes";
    }

    private static String toJson(ClusterNode node) {
        JsonObject json = new JsonObject();
        json.addProperty("address", node.address());
        json.addProperty("started_at", node.startedAtMillis());
        return json.toString();
    }

    private static ClusterNode fromJson(String id, String info) {
        try {
            JsonObject json = JsonParser.parseString(info).getAsJsonObject();
            return new ClusterNode(id, json.get("address").getAsString(), json.get("started_at").getAsLong());
        } catch (RuntimeException e) {
            return new ClusterNode(id, "", 0);
        }
    }

    /** Builds a {@link RedisBus}. */
    public static final class Builder {
        private final RedisURI uri;
        private String prefix = "ltp:";
        private Duration presenceTtl = Duration.ofSeconds(15);
        private Clock clock = Clock.systemUTC();

        private Builder(String uri) {
            Objects.requireNonNull(uri, "uri");
            try {
                this.uri = RedisURI.create(uri);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Not a Redis URI: " + Redaction.redact(uri), e);
            }
        }

        /** Prefix of every channel and key (default {@code ltp:}); nodes of one cluster share it. */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** How long a node's presence outlives its last refresh (default 15 s); refreshed every third of it. */
        public Builder presenceTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "presenceTtl");
            if (ttl.toMillis() < 3) {
                throw new IllegalArgumentException("presenceTtl must be at least 3 ms but was " + ttl);
            }
            this.presenceTtl = ttl;
            return this;
        }

        /** The clock presence expiry is scored with (default UTC system clock; nodes' clocks should agree). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The bus, not started (the server starts it). */
        public RedisBus build() {
            return new RedisBus(this);
        }
    }
}
