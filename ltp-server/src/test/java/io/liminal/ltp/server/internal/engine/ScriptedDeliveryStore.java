package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An in-memory store that records every delivery commit and fails the next ones when told to. */
final class ScriptedDeliveryStore extends ForwardingStore {
    /** One commit as the server made it. */
    record Commit(String threadId, List<Outbound> messages, Processed processed) {
    }

    final InMemoryThreadStore delegate;
    final List<Commit> commits = new ArrayList<>();
    /** How many of the next commits fail. */
    volatile int failNextCommits;

    ScriptedDeliveryStore() {
        this(new InMemoryThreadStore());
    }

    private ScriptedDeliveryStore(InMemoryThreadStore delegate) {
        super(delegate);
        this.delegate = delegate;
    }

    @Override
    public synchronized long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        if (failNextCommits > 0) {
            failNextCommits--;
            throw new IllegalStateException("injected store failure");
        }
        commits.add(new Commit(threadId, List.copyOf(messages), processed));
        return super.commit(threadId, messages, processed, now, retention);
    }
}
