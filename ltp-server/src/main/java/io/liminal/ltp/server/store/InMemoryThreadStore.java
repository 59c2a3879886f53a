package io.liminal.ltp.server.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The default store: concurrent maps. Fast and non-blocking, but threads (and delivery logs) are lost when the
 * process stops; use a durable store (module {@code ltp-jdbc} or {@code ltp-redis}) when they must survive
 * restarts.
 */
public final class InMemoryThreadStore implements ThreadStore, DeliveryStore {
    private final ConcurrentMap<String, ThreadRecord> threads = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, DeliveryState> delivery = new ConcurrentHashMap<>();

    @Override
    public void create(ThreadRecord thread) {
        if (threads.putIfAbsent(thread.threadId(), thread) != null) {
            throw new IllegalStateException("Thread " + thread.threadId() + " already exists");
        }
    }

    @Override
    public Optional<ThreadRecord> find(String threadId) {
        return Optional.ofNullable(threads.get(threadId));
    }

    @Override
    public void update(ThreadRecord thread) {
        threads.computeIfPresent(thread.threadId(), (id, stored) -> stored.withActivity(thread.lastActiveAt(),
                thread.contextTag(), thread.affect()));
    }

    @Override
    public void delete(String threadId) {
        threads.remove(threadId);
        delivery.remove(threadId);
    }

    @Override
    public int evictIdleBefore(Instant cutoff) {
        int[] evicted = {0};
        threads.values().removeIf(thread -> {
            boolean idle = thread.lastActiveAt().isBefore(cutoff);
            if (idle) {
                evicted[0]++;
                delivery.remove(thread.threadId());
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

    /** One thread's log and cursors; guarded by its own monitor. */
    private static final class DeliveryState {
        boolean enabled;
        long last;
        long bytes;
        final ArrayDeque<LoggedMessage> log = new ArrayDeque<>();
        final Map<String, Long> cursors = new HashMap<>();
    }

    private DeliveryState state(String threadId) {
        return threads.containsKey(threadId) ? delivery.computeIfAbsent(threadId, id -> new DeliveryState()) : null;
    }

    @Override
    public void enableDelivery(String threadId) {
        DeliveryState state = state(threadId);
        if (state != null) {
            synchronized (state) {
                state.enabled = true;
            }
        }
    }

    @Override
    public boolean deliveryEnabled(String threadId) {
        DeliveryState state = delivery.get(threadId);
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.enabled;
        }
    }

    @Override
    public long appendOutbound(String threadId, String message, String targetInstance, Instant now,
            DeliveryRetention retention) {
        DeliveryState state = state(threadId);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            long seq = ++state.last;
            state.log.addLast(new LoggedMessage(seq, message, targetInstance, now));
            state.bytes += size(message);
            Instant oldest = now.minus(retention.maxAge());
            // The newest message always stays, even when it alone breaks a bound.
            while (state.log.size() > 1 && (state.log.size() > retention.maxMessages()
                    || state.bytes > retention.maxBytes() || state.log.peekFirst().loggedAt().isBefore(oldest))) {
                state.bytes -= size(state.log.removeFirst().message());
            }
            return seq;
        }
    }

    @Override
    public List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit) {
        DeliveryState state = delivery.get(threadId);
        if (state == null) {
            return List.of();
        }
        synchronized (state) {
            List<LoggedMessage> after = new ArrayList<>();
            for (LoggedMessage logged : state.log) {
                if (logged.seq() > afterSeq) {
                    after.add(logged);
                    if (after.size() == limit) {
                        break;
                    }
                }
            }
            return after;
        }
    }

    @Override
    public LogBounds outboundBounds(String threadId) {
        DeliveryState state = delivery.get(threadId);
        if (state == null) {
            return LogBounds.EMPTY;
        }
        synchronized (state) {
            return new LogBounds(state.log.isEmpty() ? state.last + 1 : state.log.peekFirst().seq(), state.last);
        }
    }

    @Override
    public long inboundCursor(String threadId, String instance) {
        DeliveryState state = delivery.get(threadId);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.cursors.getOrDefault(instance, 0L);
        }
    }

    @Override
    public void commitInbound(String threadId, String instance, long seq, Instant now) {
        DeliveryState state = state(threadId);
        if (state != null) {
            synchronized (state) {
                state.cursors.merge(instance, seq, Math::max);
            }
        }
    }

    private static long size(String message) {
        return message.getBytes(StandardCharsets.UTF_8).length;
    }
}
