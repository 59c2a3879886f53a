package io.liminal.ltp.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The default store: concurrent maps. Fast and non-blocking, but threads (and delivery logs) are lost when the
 * process stops; use a durable store (module {@code ltp-jdbc} or {@code ltp-redis}) when they must survive
 * restarts.
 *
 * <p>Threads outlive their connections for the whole thread TTL, so a busy server holds hundreds of thousands of
 * them, and the garbage collector copies and marks every one. Entries are therefore compact: a server-minted id
 * (canonical UUID) is kept as a {@link UUID} rather than a 36-character string, and the rest of the record as one
 * packed byte array, so a thread costs three objects instead of seven, two of which the collector never
 * traces (see docs/performance.md, Handshakes).
 */
public final class InMemoryThreadStore implements ThreadStore, DeliveryStore {
    /** Keyed by {@link #key(String)}, valued by {@code PackedThread.pack}; delivery state shares the keys. */
    private final ConcurrentMap<Object, byte[]> threads = new ConcurrentHashMap<>();
    private final ConcurrentMap<Object, DeliveryState> delivery = new ConcurrentHashMap<>();
    /** Server processes that stopped cleanly; one entry per {@code LtpServer} run that shared this store. */
    private final Set<String> cleanStops = ConcurrentHashMap.newKeySet();

    /**
     * The map key of a thread id: a {@link UUID} when the id is a UUID in canonical lower-case form (every id this
     * server mints), which prints back to exactly the same string; otherwise the string itself. Ids compare as
     * strings either way.
     */
    static Object key(String threadId) {
        if (threadId.length() != 36) {
            return threadId;
        }
        long high = 0;
        long low = 0;
        int digits = 0;
        for (int i = 0; i < 36; i++) {
            char c = threadId.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return threadId;
                }
                continue;
            }
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (digit < 0) {
                return threadId;
            }
            if (digits++ < 16) {
                high = high << 4 | digit;
            } else {
                low = low << 4 | digit;
            }
        }
        return new UUID(high, low);
    }

    @Override
    public void create(ThreadRecord thread) {
        if (threads.putIfAbsent(key(thread.threadId()), PackedThread.pack(thread)) != null) {
            throw new IllegalStateException("Thread " + thread.threadId() + " already exists");
        }
    }

    @Override
    public Optional<ThreadRecord> find(String threadId) {
        byte[] packed = threads.get(key(threadId));
        return packed == null ? Optional.empty() : Optional.of(PackedThread.unpack(threadId, packed));
    }

    @Override
    public void update(ThreadRecord thread) {
        threads.computeIfPresent(key(thread.threadId()), (id, packed) -> {
            ThreadRecord stored = PackedThread.unpack(thread.threadId(), packed);
            return PackedThread.pack(stored.withActivity(thread.lastActiveAt(), thread.contextTag(), thread.affect()));
        });
    }

    @Override
    public void delete(String threadId) {
        Object key = key(threadId);
        threads.remove(key);
        delivery.remove(key);
    }

    @Override
    public int evictIdleBefore(Instant cutoff) {
        int[] evicted = {0};
        threads.entrySet().removeIf(entry -> {
            boolean idle = PackedThread.idleBefore(entry.getValue(), cutoff);
            if (idle) {
                evicted[0]++;
                delivery.remove(entry.getKey());
            }
            return idle;
        });
        return evicted[0];
    }

    @Override
    public long count() {
        return threads.size();
    }

    @Override
    public boolean isBlocking() {
        return false;
    }

    // ---- Delivery -----------------------------------------------------------------------------------------------

    /** One thread's log and positions; guarded by its own monitor. */
    private static final class DeliveryState {
        boolean enabled;
        final PackedLog log = new PackedLog();
        final Map<String, InboundCursor> cursors = new HashMap<>();

        LogBounds bounds() {
            return new LogBounds(log.firstSeq(), log.firstSeq() + log.size() - 1);
        }
    }

    private DeliveryState state(String threadId) {
        Object key = key(threadId);
        DeliveryState state = delivery.get(key); // made only for a stored thread, removed with it
        if (state != null) {
            return state;
        }
        return threads.containsKey(key) ? delivery.computeIfAbsent(key, id -> new DeliveryState()) : null;
    }

    @Override
    public DeliveryPosition openDelivery(String threadId, String instance, String processId, Instant now) {
        DeliveryState state = state(threadId);
        if (state == null) {
            return null;
        }
        synchronized (state) {
            state.enabled = true;
            InboundCursor cursor = state.cursors.computeIfAbsent(instance, i -> new InboundCursor(0, processId));
            return new DeliveryPosition(cursor, state.bounds());
        }
    }

    @Override
    public boolean deliveryEnabled(String threadId) {
        DeliveryState state = delivery.get(key(threadId));
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.enabled;
        }
    }

    @Override
    public long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        DeliveryState state = state(threadId);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            PackedLog log = state.log;
            long first = log.firstSeq() + log.size();
            for (Outbound message : messages) {
                log.append(message.message(), message.targetInstance(), now);
            }
            long oldest = oldestKept(now, retention.maxAge());
            // The newest message always stays, even when it alone breaks a bound.
            while (log.size() > 1 && (log.size() > retention.maxMessages() || log.bytes() > retention.maxBytes()
                    || log.oldestLoggedAtMillis() < oldest)) {
                log.removeOldest();
            }
            if (processed != null) {
                InboundCursor current = state.cursors.getOrDefault(processed.instance(), InboundCursor.NONE);
                if (processed.seq() > current.seq()) {
                    state.cursors.put(processed.instance(), new InboundCursor(processed.seq(), processed.processId()));
                }
            }
            return messages.isEmpty() ? 0 : first;
        }
    }

    /** Epoch millis before which a message is too old to keep; saturates for ages no clock reaches. */
    private static long oldestKept(Instant now, Duration maxAge) {
        try {
            return Math.subtractExact(now.toEpochMilli(), maxAge.toMillis());
        } catch (ArithmeticException e) {
            return Long.MIN_VALUE;
        }
    }

    @Override
    public List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit) {
        DeliveryState state = delivery.get(key(threadId));
        if (state == null) {
            return List.of();
        }
        synchronized (state) {
            return state.log.after(afterSeq, limit);
        }
    }

    @Override
    public LogBounds outboundBounds(String threadId) {
        DeliveryState state = delivery.get(key(threadId));
        if (state == null) {
            return LogBounds.EMPTY;
        }
        synchronized (state) {
            return state.bounds();
        }
    }

    @Override
    public InboundCursor inboundCursor(String threadId, String instance) {
        DeliveryState state = delivery.get(key(threadId));
        if (state == null) {
            return InboundCursor.NONE;
        }
        synchronized (state) {
            return state.cursors.getOrDefault(instance, InboundCursor.NONE);
        }
    }

    @Override
    public void recordCleanStop(String processId, Instant now) {
        cleanStops.add(processId);
    }

    @Override
    public boolean stoppedCleanly(String processId) {
        return cleanStops.contains(processId);
    }
}
