package io.liminal.ltp.redis;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.liminal.ltp.core.concurrent.SerialExecutor;
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
 * A {@link ClusterBus} on Redis: pub/sub carries the messages, sorted sets with expiring scores record presence.
 * It runs on one Redis server ({@link #builder}) or on a Redis Cluster ({@link #clusterBuilder}).
 *
 * <pre>{@code
 * LtpServer.builder()
 *         .threadStore(RedisThreadStore.builder("redis://10.0.0.5:6379").build())
 *         .cluster(RedisBus.builder("redis://10.0.0.5:6379").build())
 *         .nodeId("ltp-1")
 * }</pre>
 *
 * <p>Channels and keys, with the default prefix {@code ltp:}: {@code ltp:node:{N}} (node N's channel),
 * {@code ltp:all} (every node; one server only), {@code ltp:thread:{T}} (nodes holding thread T); {@code ltp:nodes}
 * (node ids scored by when their presence expires), {@code ltp:node-info:N} (a node's address, expiring), and
 * {@code ltp:{T}:nodes} (the nodes holding thread T, scored the same way). A node refreshes its entries every third
 * of {@link Builder#presenceTtl}; a node that dies stops refreshing and its entries expire by themselves.
 *
 * <p>On a Redis Cluster the thread and node channels are sharded channels (SSUBSCRIBE, SPUBLISH): each lives on
 * the shard that owns its hash tag, so a push crosses one shard, not the whole cluster, and SPUBLISH's count of
 * receivers is exact. A broadcast goes to each live node's channel. Lettuce does not restore every sharded
 * subscription after a reconnection, so the bus subscribes again to all it holds whenever a connection comes back.
 *
 * <p>While a connection to Redis is down, publishing fails at once (the server counts it and fails the push's
 * future): nothing is queued to be sent later. (On a cluster, "down" is what the bus knows: a shard that stalls
 * silently is noticed by the next unanswered ping, within three seconds.) A message already written to a Redis
 * that stalls is passed on if it wakes up. Lettuce reconnects by itself; on reconnection the bus listens again on
 * every thread the node holds and restores its presence.
 */
public final class RedisBus implements ClusterBus {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    private static final CompletableFuture<Long> NOT_CONNECTED = CompletableFuture.failedFuture(
            new IllegalStateException("Redis bus not connected"));

    private final List<RedisURI> seeds;
    private final boolean sharded;
    private final String prefix;
    private final Duration presenceTtl;
    private final Clock clock;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** Connections (of either kind, and a cluster's per-shard ones) that Lettuce reported down and not back. */
    private final Set<RedisChannelHandler<?, ?>> down = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Messages arrive on several event loops with a Redis Cluster; the server takes them one at a time. */
    private final SerialExecutor delivery = new SerialExecutor(Runnable::run,
            (thread, error) -> LOG.warn("Cluster message handling failed: {}", error.toString()));
    private AbstractRedisClient client;
    private ClientResources resources;
    private volatile StatefulConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> subscriptions;
    private volatile ScheduledExecutorService refresher;
    private volatile ClusterNode node;
    private volatile Receiver receiver;
    private volatile boolean reported;
    private volatile long lastAnswerNanos = System.nanoTime();

    private RedisBus(Builder builder) {
        this.seeds = builder.seeds;
        this.sharded = builder.sharded;
        this.prefix = builder.prefix;
        this.presenceTtl = builder.presenceTtl;
        this.clock = builder.clock;
    }

    /** A builder for one Redis server at {@code uri} ({@code redis://[password@]host[:port][/database]}, or rediss://). */
    public static Builder builder(String uri) {
        return new Builder(List.of(parse(uri)), false);
    }

    /**
     * A builder for a Redis Cluster, found through any of {@code seedUris} ({@code redis://[password@]host:port}, or
     * rediss://); the client learns the rest of the topology from them and follows it.
     */
    public static Builder clusterBuilder(List<String> seedUris) {
        if (seedUris.isEmpty()) {
            throw new IllegalArgumentException("A Redis Cluster needs at least one seed node");
        }
        return new Builder(seedUris.stream().map(RedisBus::parse).toList(), true);
    }

    private static RedisURI parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        try {
            return RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Not a Redis URI: " + Redaction.redact(uri), e);
        }
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
        RedisConnectionStateListener states = new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                connectionChanged(connection, true);
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                connectionChanged(connection, false);
            }
        };
        if (sharded) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
            // A cluster opens its per-shard connections lazily: commands wait for them (publish() refuses at once
            // while the bus is known to be down instead).
            cluster.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(10))
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            cluster.addListener(states);
            client = cluster;
        } else {
            RedisClient single = RedisClient.create(resources, seeds.get(0));
            single.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                    .build());
            single.addListener(states);
            client = single;
        }
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
                commands = sharded ? ((RedisClusterClient) client).connect() : ((RedisClient) client).connect();
            }
            StatefulRedisPubSubConnection<String, String> pubSub = sharded
                    ? ((RedisClusterClient) client).connectPubSub()
                    : ((RedisClient) client).connectPubSub();
            pubSub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    delivery.execute(() -> receiver.onMessage(message));
                }

                @Override
                public void smessage(String channel, String message) {
                    delivery.execute(() -> receiver.onMessage(message));
                }
            });
            List<String> channels = new ArrayList<>();
            channels.add(nodeChannel(node.id()));
            if (!sharded) {
                channels.add(prefix + "all");
            }
            held.forEach(threadId -> channels.add(threadChannel(threadId)));
            CompletableFuture.allOf(subscribe(pubSub, channels.toArray(String[]::new)))
                    .get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            subscriptions = pubSub;
            down.clear();
            lastAnswerNanos = System.nanoTime();
            refreshPresence();
            report();
            started.complete(null);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (!started.isDone()) {
                started.completeExceptionally(e);
            }
            LOG.debug("Redis bus could not connect ({}); retrying", e.toString());
            refresher.schedule(() -> connect(new CompletableFuture<>()), 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Subscribes {@code pubSub} to {@code channels}: plain channels on one server; on a cluster, sharded channels,
     * one command each (channels of different slots may not share one).
     */
    private CompletableFuture<?>[] subscribe(StatefulRedisPubSubConnection<String, String> pubSub, String... channels) {
        if (!sharded) {
            return new CompletableFuture<?>[] {pubSub.async().subscribe(channels).toCompletableFuture()};
        }
        CompletableFuture<?>[] done = new CompletableFuture<?>[channels.length];
        for (int i = 0; i < channels.length; i++) {
            done[i] = pubSub.async().ssubscribe(channels[i]).toCompletableFuture();
        }
        return done;
    }

    /** The async commands of whichever connection this bus has. */
    private RedisClusterAsyncCommands<String, String> redis() {
        StatefulConnection<String, String> connection = commands;
        return connection instanceof StatefulRedisClusterConnection<String, String> cluster
                ? cluster.async()
                : ((StatefulRedisConnection<String, String>) connection).async();
    }

    /**
     * Lettuce tells each connection's state, a cluster's per-shard connections included; the bus is up when none
     * is down. When one comes back, the bus subscribes again to all it holds (a no-op where Lettuce already did).
     */
    private void connectionChanged(RedisChannelHandler<?, ?> connection, boolean up) {
        if (closed.get() || subscriptions == null) {
            return; // connect() reports the first connection
        }
        if (up) {
            down.remove(connection);
            refresher.execute(this::resubscribe);
            refresher.execute(this::refreshPresence);
        } else {
            down.add(connection);
        }
        report();
    }

    private void resubscribe() {
        StatefulRedisPubSubConnection<String, String> pubSub = subscriptions;
        if (closed.get() || pubSub == null) {
            return;
        }
        List<String> channels = new ArrayList<>();
        channels.add(nodeChannel(node.id()));
        held.forEach(threadId -> channels.add(threadChannel(threadId)));
        try {
            subscribe(pubSub, channels.toArray(String[]::new));
        } catch (RuntimeException e) {
            LOG.debug("Subscribing again failed ({}); retried on the next reconnection", e.toString());
        }
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
        StatefulRedisPubSubConnection<String, String> pubSub = subscriptions;
        if (commands == null || pubSub == null || closed.get()) {
            return CompletableFuture.completedFuture(null); // subscribed with the others when connected
        }
        try {
            long expiry = clock.millis() + presenceTtl.toMillis();
            RedisClusterAsyncCommands<String, String> redis = redis();
            redis.zadd(threadNodesKey(threadId), expiry, node.id());
            redis.pexpire(threadNodesKey(threadId), presenceTtl.toMillis());
            return CompletableFuture.allOf(subscribe(pubSub, threadChannel(threadId)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // subscribed again when the connection comes back
        }
    }

    @Override
    public void release(String threadId) {
        held.remove(threadId);
        StatefulRedisPubSubConnection<String, String> pubSub = subscriptions;
        if (commands == null || pubSub == null || closed.get()) {
            return;
        }
        try {
            if (sharded) {
                pubSub.async().sunsubscribe(threadChannel(threadId));
            } else {
                pubSub.async().unsubscribe(threadChannel(threadId));
            }
            redis().zrem(threadNodesKey(threadId), node.id());
        } catch (RuntimeException e) {
            LOG.debug("Release of a thread failed ({}); its presence expires by itself", e.toString());
        }
    }

    @Override
    public CompletableFuture<Long> publishToThread(String threadId, String message) {
        return publish(threadChannel(threadId), message);
    }

    /**
     * One server: on the channel every node listens to. A cluster: on each live node's channel (a plain PUBLISH
     * would count only the receivers on the shard it reached), summing the receivers.
     */
    @Override
    public CompletableFuture<Long> publishToAll(String message) {
        if (!sharded) {
            return publish(prefix + "all", message);
        }
        return nodes().thenCompose(nodes -> {
            List<CompletableFuture<Long>> sent = nodes.stream()
                    .map(each -> publish(nodeChannel(each.id()), message)).toList();
            return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                    .thenApply(ignored -> sent.stream().mapToLong(CompletableFuture::join).sum());
        });
    }

    @Override
    public CompletableFuture<Long> publishToNode(String nodeId, String message) {
        return publish(nodeChannel(nodeId), message);
    }

    private CompletableFuture<Long> publish(String channel, String message) {
        if (commands == null || closed.get() || (sharded && !connected())) {
            return NOT_CONNECTED;
        }
        try {
            RedisClusterAsyncCommands<String, String> redis = redis();
            return (sharded ? redis.spublish(channel, message) : redis.publish(channel, message))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<List<ClusterNode>> nodes() {
        if (commands == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis bus not connected yet"));
        }
        RedisClusterAsyncCommands<String, String> redis = redis();
        return redis.zrangebyscore(prefix + "nodes", Range.create((double) clock.millis(), Double.MAX_VALUE))
                .toCompletableFuture()
                .thenCompose(ids -> {
                    if (ids.isEmpty()) {
                        return CompletableFuture.completedFuture(List.<ClusterNode>of());
                    }
                    // On a cluster Lettuce splits the MGET by slot and joins the answers in key order.
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
     * Whether the bus can reach Redis now: no connection is down and Redis answered a ping lately (every master, on
     * a cluster). A paused or unreachable Redis keeps TCP connections open; only the missing answers tell.
     */
    @Override
    public boolean connected() {
        return subscriptions != null && down.isEmpty() && !closed.get()
                && System.nanoTime() - lastAnswerNanos < 3 * PROBE_INTERVAL.toNanos();
    }

    /** Pings Redis (each master of a cluster), and tells the server when the bus went quiet or answers again. */
    private void probe() {
        StatefulConnection<String, String> connection = commands;
        if (closed.get() || connection == null) {
            return;
        }
        down.removeIf(handler -> !handler.isOpen()); // closed on purpose (a cluster's stale node connections)
        try {
            List<CompletableFuture<String>> pings = new ArrayList<>();
            if (connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
                for (RedisClusterNode master : cluster.getPartitions()) {
                    if (master.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                        pings.add(cluster.getConnection(master.getNodeId()).async().ping().toCompletableFuture());
                    }
                }
            } else {
                pings.add(((StatefulRedisConnection<String, String>) connection).async().ping().toCompletableFuture());
            }
            CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new))
                    .orTimeout(PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)
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
            RedisClusterAsyncCommands<String, String> redis = redis();
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
                RedisClusterAsyncCommands<String, String> redis = redis();
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

    // Hash tags put a channel on the shard of its thread or node (Redis Cluster); one server ignores them.
    private String nodeChannel(String nodeId) {
        return prefix + "node:{" + nodeId + "}";
    }

    private String threadChannel(String threadId) {
        return prefix + "thread:{" + threadId + "}";
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
        private final List<RedisURI> seeds;
        private final boolean sharded;
        private String prefix = "ltp:";
        private Duration presenceTtl = Duration.ofSeconds(15);
        private Clock clock = Clock.systemUTC();

        private Builder(List<RedisURI> seeds, boolean sharded) {
            this.seeds = seeds;
            this.sharded = sharded;
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
