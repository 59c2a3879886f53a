package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.server.internal.metrics.ServerMetrics;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Group commit for a blocking delivery store: the commits that lanes hand over while the store is busy wait, and
 * go to the store together in the next {@link DeliveryStore#commitAll} call. One group is written at a time, so
 * under load a group holds what arrived during the previous write; an idle store writes a lone commit at once.
 * A lane waiting for its commit holds no thread ({@code SerialExecutor.continueAfter}).
 *
 * <p>Futures complete on the writing thread; a failed group fails every commit in it.
 */
final class GroupCommitter {
    /** Most commits in one store call: bounds a transaction's size and a failure's reach. */
    static final int MAX_GROUP = 256;

    private final DeliveryStore store;
    /** Where groups are written: a thread of its own, so that lanes blocked on a commit cannot starve it. */
    private final Executor writer;
    private final ServerMetrics metrics;
    private final Object lock = new Object();
    private List<Pending> waiting = new ArrayList<>();
    private boolean writing;

    GroupCommitter(DeliveryStore store, Executor writer, ServerMetrics metrics) {
        this.store = Objects.requireNonNull(store, "store");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Queues a commit; completes with what {@link DeliveryStore#commit} returns, or with its failure. */
    CompletableFuture<Long> submit(Commit commit) {
        Pending pending = new Pending(commit, new CompletableFuture<>());
        boolean start;
        synchronized (lock) {
            waiting.add(pending);
            start = !writing;
            writing = true;
        }
        if (start) {
            try {
                writer.execute(this::write);
            } catch (RejectedExecutionException e) {
                write(); // stopping: the commit must still be written (or fail) for its lane to go on
            }
        }
        return pending.future;
    }

    private void write() {
        while (true) {
            List<Pending> group;
            synchronized (lock) {
                if (waiting.isEmpty()) {
                    writing = false;
                    return;
                }
                if (waiting.size() <= MAX_GROUP) {
                    group = waiting;
                    waiting = new ArrayList<>();
                } else {
                    group = new ArrayList<>(waiting.subList(0, MAX_GROUP));
                    waiting = new ArrayList<>(waiting.subList(MAX_GROUP, waiting.size()));
                }
            }
            List<Commit> commits = new ArrayList<>(group.size());
            for (Pending pending : group) {
                commits.add(pending.commit);
            }
            long start = System.nanoTime();
            long[] firsts;
            try {
                firsts = store.commitAll(commits);
                if (firsts.length != group.size()) {
                    throw new IllegalStateException("The delivery store answered " + firsts.length + " results for "
                            + group.size() + " commits");
                }
            } catch (RuntimeException e) {
                for (Pending pending : group) {
                    pending.future.completeExceptionally(e);
                }
                continue;
            } finally {
                metrics.commitGroup(group.size(), System.nanoTime() - start);
            }
            for (int i = 0; i < firsts.length; i++) {
                group.get(i).future.complete(firsts[i]);
            }
        }
    }

    private record Pending(Commit commit, CompletableFuture<Long> future) {
    }
}
