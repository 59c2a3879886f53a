package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.store.ThreadStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An in-memory store that records every delivery commit and fails the next ones when told to. */
final class ScriptedDeliveryStore implements ThreadStore, DeliveryStore {
    /** One commit as the server made it. */
    record Commit(String threadId, List<Outbound> messages, Processed processed) {
    }

    final InMemoryThreadStore delegate = new InMemoryThreadStore();
    final List<Commit> commits = new ArrayList<>();
    /** How many of the next commits fail. */
    volatile int failNextCommits;

    @Override
    public synchronized long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        if (failNextCommits > 0) {
            failNextCommits--;
            throw new IllegalStateException("injected store failure");
        }
        commits.add(new Commit(threadId, List.copyOf(messages), processed));
        return delegate.commit(threadId, messages, processed, now, retention);
    }

    @Override
    public DeliveryPosition openDelivery(String threadId, String instance, String processId, Instant now) {
        return delegate.openDelivery(threadId, instance, processId, now);
    }

    @Override
    public boolean deliveryEnabled(String threadId) {
        return delegate.deliveryEnabled(threadId);
    }

    @Override
    public List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit) {
        return delegate.outboundAfter(threadId, afterSeq, limit);
    }

    @Override
    public LogBounds outboundBounds(String threadId) {
        return delegate.outboundBounds(threadId);
    }

    @Override
    public InboundCursor inboundCursor(String threadId, String instance) {
        return delegate.inboundCursor(threadId, instance);
    }

    @Override
    public void recordCleanStop(String processId, Instant now) {
        delegate.recordCleanStop(processId, now);
    }

    @Override
    public boolean stoppedCleanly(String processId) {
        return delegate.stoppedCleanly(processId);
    }

    @Override
    public void create(ThreadRecord thread) {
        delegate.create(thread);
    }

    @Override
    public Optional<ThreadRecord> find(String threadId) {
        return delegate.find(threadId);
    }

    @Override
    public void update(ThreadRecord thread) {
        delegate.update(thread);
    }

    @Override
    public void delete(String threadId) {
        delegate.delete(threadId);
    }

    @Override
    public int evictIdleBefore(Instant cutoff) {
        return delegate.evictIdleBefore(cutoff);
    }

    @Override
    public long count() {
        return delegate.count();
    }

    @Override
    public boolean isBlocking() {
        return false;
    }
}
