package io.liminal.ltp.redis;

import static io.liminal.ltp.redis.internal.StoreScripts.COMMIT;
import static io.liminal.ltp.redis.internal.StoreScripts.CREATE;
import static io.liminal.ltp.redis.internal.StoreScripts.OPEN;
import static io.liminal.ltp.redis.internal.StoreScripts.UPDATE;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.liminal.ltp.redis.internal.StoreScripts;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.store.ThreadStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link ThreadStore} and {@link DeliveryStore} in Redis, for several server instances sharing threads. Redis
 * expires idle threads by itself: every key of a thread lives until {@code threadTtl} after its last activity.
 *
 * <pre>{@code
 * RedisThreadStore.builder("redis://127.0.0.1:6379").threadTtl(Duration.ofMinutes(30)).build()
 * }</pre>
 *
 * <p>Keys, for a thread {@code T} and the default prefix {@code ltp:}: {@code ltp:{T}:thread} (a hash of the
 * record, its delivery flag and log counters), {@code ltp:{T}:out} (the outbound log, a list, oldest first) and
 * {@code ltp:{T}:in} (inbound cursors by client instance). The braces keep a thread's keys in one Redis Cluster
 * slot, so the Lua scripts that change them are atomic; {@code ltp:threads} (a sorted set by last activity)
 * serves counting and eviction, and {@code ltp:clean-stops} (a sorted set by time) remembers server processes that
 * stopped cleanly.
 *
 * <p>Client: Lettuce. One thread-safe connection multiplexes every caller (no pool), a second one carries the
 * pipelined group commits, and both run on Netty, which the server already uses. Durability is Redis's: with the default snapshotting, a Redis crash loses recent writes;
 * use AOF ({@code appendfsync everysec} or {@code always}) where that matters (docs/durability.md).
 */
public final class RedisThreadStore implements ThreadStore, DeliveryStore {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    /**
     * Group commits' own connection, flushed by hand: a group's scripts leave in one write instead of one each
     * (Lettuce's pipelining pattern; autoflush is per connection, so it cannot be turned off on the shared one).
     */
    private final StatefulRedisConnection<String, String> pipeline;
    private final RedisAsyncCommands<String, String> async;
    /** The SHA1 of the commit script, to pipeline it with EVALSHA. */
    private final String commitDigest;
    private final String prefix;
    private final Duration threadTtl;
    private final Clock clock;

    private RedisThreadStore(Builder builder) {
        this.client = RedisClient.create(builder.uri);
        try {
            this.connection = client.connect();
        } catch (RuntimeException e) {
            client.shutdown();
            throw new IllegalStateException("Could not connect to Redis at " + builder.uri.getHost() + ":"
                    + builder.uri.getPort() + ": " + e.getMessage(), e);
        }
        try {
            this.pipeline = client.connect();
        } catch (RuntimeException e) {
            connection.close();
            client.shutdown();
            throw new IllegalStateException("Could not connect to Redis at " + builder.uri.getHost() + ":"
                    + builder.uri.getPort() + ": " + e.getMessage(), e);
        }
        this.redis = connection.sync();
        pipeline.setAutoFlushCommands(false);
        this.async = pipeline.async();
        this.commitDigest = redis.digest(COMMIT);
        this.prefix = builder.prefix;
        this.threadTtl = builder.threadTtl;
        this.clock = builder.clock;
    }

    /** A builder for a store at a {@code redis://} or {@code rediss://} URI. */
    public static Builder builder(String uri) {
        return new Builder(RedisURI.create(uri));
    }

    private String threadKey(String threadId) {
        return prefix + "{" + threadId + "}:thread";
    }

    private String outKey(String threadId) {
        return prefix + "{" + threadId + "}:out";
    }

    private String inKey(String threadId) {
        return prefix + "{" + threadId + "}:in";
    }

    private String indexKey() {
        return prefix + "threads";
    }

    private String cleanStopsKey() {
        return prefix + "clean-stops";
    }

    /** Milliseconds until a thread last active at {@code lastActive} expires (at least 1). */
    private long expiryMillis(Instant lastActive) {
        return Math.max(1, lastActive.plus(threadTtl).toEpochMilli() - clock.millis());
    }

    // ---- Threads ----------------------------------------------------------------------------------------------

    @Override
    public void create(ThreadRecord thread) {
        Long created = redis.eval(CREATE, ScriptOutputType.INTEGER, new String[] {threadKey(thread.threadId())},
                thread.clientId(), Long.toString(thread.createdAt().toEpochMilli()),
                Long.toString(thread.lastActiveAt().toEpochMilli()), orEmpty(thread.principal()),
                orEmpty(thread.contextTag()), thread.affect() == null ? "" : thread.affect().toString(),
                Long.toString(expiryMillis(thread.lastActiveAt())));
        if (created == 0) {
            throw new IllegalStateException("Thread " + thread.threadId() + " already exists");
        }
        redis.zadd(indexKey(), thread.lastActiveAt().toEpochMilli(), thread.threadId());
    }

    @Override
    public Optional<ThreadRecord> find(String threadId) {
        Map<String, String> fields = redis.hgetall(threadKey(threadId));
        if (fields == null || !fields.containsKey("client_id")) {
            return Optional.empty();
        }
        String affect = fields.get("affect");
        JsonElement affectJson = affect == null ? null : JsonParser.parseString(affect);
        return Optional.of(new ThreadRecord(threadId, fields.get("client_id"), fields.get("principal"),
                Instant.ofEpochMilli(Long.parseLong(fields.get("created_at"))),
                Instant.ofEpochMilli(Long.parseLong(fields.get("last_active_at"))), fields.get("context_tag"),
                affectJson));
    }

    @Override
    public void update(ThreadRecord thread) {
        Long updated = redis.eval(UPDATE, ScriptOutputType.INTEGER, new String[] {threadKey(thread.threadId()),
                outKey(thread.threadId()), inKey(thread.threadId())},
                Long.toString(thread.lastActiveAt().toEpochMilli()), orEmpty(thread.contextTag()),
                thread.affect() == null ? "" : thread.affect().toString(),
                Long.toString(expiryMillis(thread.lastActiveAt())));
        if (updated == 1) {
            redis.zadd(indexKey(), thread.lastActiveAt().toEpochMilli(), thread.threadId());
        }
    }

    @Override
    public void delete(String threadId) {
        redis.del(threadKey(threadId), outKey(threadId), inKey(threadId));
        redis.zrem(indexKey(), threadId);
    }

    /** Redis expires idle threads itself; this also drops those the index knows to be idle, at once. */
    @Override
    public int evictIdleBefore(Instant cutoff) {
        int evicted = 0;
        List<String> idle = redis.zrangebyscore(indexKey(),
                io.lettuce.core.Range.create(Double.NEGATIVE_INFINITY, (double) cutoff.toEpochMilli() - 1));
        for (String threadId : idle) {
            String lastActive = redis.hget(threadKey(threadId), "last_active_at");
            if (lastActive == null || Long.parseLong(lastActive) < cutoff.toEpochMilli()) {
                if (lastActive != null) {
                    evicted++;
                }
                delete(threadId);
            }
        }
        return evicted;
    }

    @Override
    public long count() {
        long expired = clock.millis() - threadTtl.toMillis();
        redis.zremrangebyscore(indexKey(), io.lettuce.core.Range.create(Double.NEGATIVE_INFINITY, (double) expired));
        return redis.zcard(indexKey());
    }

    // ---- Delivery ---------------------------------------------------------------------------------------------

    @Override
    public DeliveryPosition openDelivery(String threadId, String instance, String processId, Instant now) {
        List<Object> opened = redis.eval(OPEN, ScriptOutputType.MULTI, new String[] {threadKey(threadId),
                outKey(threadId), inKey(threadId)}, instance, processId);
        if (opened == null || opened.isEmpty()) {
            return null;
        }
        long last = Long.parseLong((String) opened.get(1));
        String first = (String) opened.get(2);
        boolean empty = "0".equals(opened.get(3)) || first.isEmpty();
        return new DeliveryPosition(cursor((String) opened.get(0)),
                new LogBounds(empty ? last + 1 : Long.parseLong(first), last));
    }

    @Override
    public boolean deliveryEnabled(String threadId) {
        return "1".equals(redis.hget(threadKey(threadId), "delivery"));
    }

    @Override
    public long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        return commitAll(List.of(new Commit(threadId, messages, processed, now, retention)))[0];
    }

    /**
     * Pipelined: every commit's script is sent (by its digest, {@code EVALSHA}) before the first answer is
     * awaited, so a group costs one write and one round trip. Each script is atomic on its own; the group is not
     * (see {@link DeliveryStore#commitAll}).
     */
    @Override
    public long[] commitAll(List<Commit> commits) {
        List<RedisFuture<Long>> answers = new ArrayList<>(commits.size());
        for (Commit commit : commits) {
            answers.add(async.evalsha(commitDigest, ScriptOutputType.INTEGER, commitKeys(commit.threadId()),
                    commitArgs(commit.messages(), commit.processed(), commit.now(), commit.retention())));
        }
        pipeline.flushCommands(); // every caller flushes what it queued, so concurrent callers cannot strand one
        long[] firsts = new long[commits.size()];
        long deadline = System.nanoTime() + connection.getTimeout().toNanos();
        for (int i = 0; i < firsts.length; i++) {
            Long first;
            try {
                first = answers.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RedisNoScriptException)) {
                    throw new IllegalStateException("Thread store: could not commit delivery: "
                            + e.getCause().getMessage(), e.getCause());
                }
                Commit commit = commits.get(i); // the script was not run: Redis lost its script cache
                first = redis.eval(COMMIT, ScriptOutputType.INTEGER, commitKeys(commit.threadId()),
                        commitArgs(commit.messages(), commit.processed(), commit.now(), commit.retention()));
            } catch (TimeoutException e) {
                throw new IllegalStateException("Thread store: could not commit delivery: no answer from Redis "
                        + "within " + connection.getTimeout(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Thread store: interrupted while committing delivery", e);
            }
            firsts[i] = first == null ? 0 : first;
        }
        return firsts;
    }

    private String[] commitKeys(String threadId) {
        return new String[] {threadKey(threadId), outKey(threadId), inKey(threadId)};
    }

    private static String[] commitArgs(List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        String[] args = new String[8 + 2 * messages.size()];
        args[0] = Long.toString(now.toEpochMilli());
        args[1] = Integer.toString(retention.maxMessages());
        args[2] = Long.toString(retention.maxBytes());
        args[3] = Long.toString(now.minus(retention.maxAge()).toEpochMilli());
        args[4] = processed == null ? "" : processed.instance();
        args[5] = processed == null ? "0" : Long.toString(processed.seq());
        args[6] = processed == null ? "" : processed.processId();
        args[7] = Integer.toString(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            args[8 + 2 * i] = messages.get(i).message();
            args[9 + 2 * i] = orEmpty(messages.get(i).targetInstance());
        }
        return args;
    }

    @Override
    public List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit) {
        String first = redis.hget(threadKey(threadId), "out_first");
        if (first == null || limit <= 0) {
            return List.of();
        }
        long start = Math.max(0, afterSeq - Long.parseLong(first) + 1);
        List<LoggedMessage> messages = new ArrayList<>();
        for (String text : redis.lrange(outKey(threadId), start, start + limit - 1)) {
            StoreScripts.Entry entry = StoreScripts.entry(text);
            if (entry == null) {
                throw new IllegalStateException("Thread store: an entry of the log of thread " + threadId
                        + " is not in a known format");
            }
            if (entry.seq() > afterSeq) {
                messages.add(new LoggedMessage(entry.seq(), entry.message(), entry.target(),
                        Instant.ofEpochMilli(entry.loggedAtMillis())));
            }
        }
        return messages;
    }

    @Override
    public LogBounds outboundBounds(String threadId) {
        List<io.lettuce.core.KeyValue<String, String>> values = redis.hmget(threadKey(threadId), "out_seq",
                "out_first");
        if (!values.get(0).hasValue()) {
            return LogBounds.EMPTY;
        }
        long last = Long.parseLong(values.get(0).getValue());
        boolean empty = redis.llen(outKey(threadId)) == 0;
        long first = empty || !values.get(1).hasValue() ? last + 1 : Long.parseLong(values.get(1).getValue());
        return new LogBounds(first, last);
    }

    @Override
    public InboundCursor inboundCursor(String threadId, String instance) {
        return cursor(redis.hget(inKey(threadId), instance));
    }

    /** A stored position: {@code seq:processId}, or a bare {@code seq} written before process ids were kept. */
    private static InboundCursor cursor(String value) {
        if (value == null) {
            return InboundCursor.NONE;
        }
        int colon = value.indexOf(':');
        return colon < 0 ? new InboundCursor(Long.parseLong(value), null)
                : new InboundCursor(Long.parseLong(value.substring(0, colon)), value.substring(colon + 1));
    }

    @Override
    public void recordCleanStop(String processId, Instant now) {
        redis.zadd(cleanStopsKey(), now.toEpochMilli(), processId);
        redis.zremrangebyscore(cleanStopsKey(), io.lettuce.core.Range.create(Double.NEGATIVE_INFINITY,
                (double) now.minus(threadTtl).toEpochMilli()));
    }

    @Override
    public boolean stoppedCleanly(String processId) {
        return redis.zscore(cleanStopsKey(), processId) != null;
    }

    @Override
    public void close() {
        pipeline.close();
        connection.close();
        client.shutdown();
    }

    @Override
    public String toString() {
        return "RedisThreadStore{prefix=" + prefix + ", ttl=" + threadTtl + '}';
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    /** Builds a {@link RedisThreadStore}. */
    public static final class Builder {
        private final RedisURI uri;
        private String prefix = "ltp:";
        private Duration threadTtl = LtpServer.DEFAULT_THREAD_TTL;
        private Clock clock = Clock.systemUTC();

        private Builder(RedisURI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** The prefix of every key (default {@code ltp:}), to share a Redis between applications. */
        public Builder keyPrefix(String keyPrefix) {
            this.prefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /** How long after its last activity Redis keeps a thread (default: the server's default, 30 minutes). */
        public Builder threadTtl(Duration ttl) {
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("threadTtl must be positive");
            }
            this.threadTtl = ttl;
            return this;
        }

        /** The clock expiry is computed with (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Connects. */
        public RedisThreadStore build() {
            return new RedisThreadStore(this);
        }
    }
}
