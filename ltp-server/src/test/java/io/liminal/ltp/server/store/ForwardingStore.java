package io.liminal.ltp.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ThreadStore} and {@link DeliveryStore} that forwards every call to another one: extend it and override
 * what a test must observe or break (record commits, fail them, stop the process at an exact point).
 */
public class ForwardingStore implements ThreadStore, DeliveryStore {
    private final ThreadStore threads;
    private final DeliveryStore delivery;

    /** @param delegate a store that is both a {@link ThreadStore} and a {@link DeliveryStore} */
    public ForwardingStore(ThreadStore delegate) {
        this.threads = Objects.requireNonNull(delegate, "delegate");
        this.delivery = (DeliveryStore) delegate;
    }

    @Override
    public void create(ThreadRecord thread) {
        threads.create(thread);
    }

    @Override
    public Optional<ThreadRecord> find(String threadId) {
        return threads.find(threadId);
    }

    @Override
    public void update(ThreadRecord thread) {
        threads.update(thread);
    }

    @Override
    public void delete(String threadId) {
        threads.delete(threadId);
    }

    @Override
    public int evictIdleBefore(Instant cutoff) {
        return threads.evictIdleBefore(cutoff);
    }

    @Override
    public long count() {
        return threads.count();
    }

    @Override
    public void checkHealth() {
        threads.checkHealth();
    }

    @Override
    public boolean isBlocking() {
        return threads.isBlocking();
    }

    @Override
    public void close() {
        threads.close();
    }

    @Override
    public DeliveryPosition openDelivery(String threadId, String instance, String processId, Instant now) {
        return delivery.openDelivery(threadId, instance, processId, now);
    }

    @Override
    public boolean deliveryEnabled(String threadId) {
        return delivery.deliveryEnabled(threadId);
    }

    @Override
    public long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        return delivery.commit(threadId, messages, processed, now, retention);
    }

    @Override
    public List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit) {
        return delivery.outboundAfter(threadId, afterSeq, limit);
    }

    @Override
    public LogBounds outboundBounds(String threadId) {
        return delivery.outboundBounds(threadId);
    }

    @Override
    public InboundCursor inboundCursor(String threadId, String instance) {
        return delivery.inboundCursor(threadId, instance);
    }

    @Override
    public void recordCleanStop(String processId, Instant now) {
        delivery.recordCleanStop(processId, now);
    }

    @Override
    public boolean stoppedCleanly(String processId) {
        return delivery.stoppedCleanly(processId);
    }
}
