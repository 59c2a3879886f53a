package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.server.store.ThreadRecord;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * Threads that have live connections. A thread is retired only from its own lane, after every handler call queued
 * before it ran, and only if no connection attached meanwhile; a client that reconnects quickly therefore keeps
 * the same lane and its messages stay in order.
 */
final class ThreadRegistry {
    private final ConcurrentMap<String, LiveThread> threads = new ConcurrentHashMap<>();

    LiveThread get(String threadId) {
        return threads.get(threadId);
    }

    Collection<LiveThread> all() {
        return threads.values();
    }

    int size() {
        return threads.size();
    }

    LiveThread attach(ThreadRecord record, EngineConnection connection, Supplier<SerialExecutor> lanes) {
        return threads.compute(record.threadId(), (id, existing) -> {
            LiveThread thread = existing != null ? existing : new LiveThread(record, lanes.get());
            thread.adopt(record);
            thread.connections.add(connection);
            return thread;
        });
    }

    /**
     * Queues {@code task} on the thread's lane: the live thread's, or a dormant one's registered now (a push to an
     * offline thread). The thread counts the task as pending from inside the registry's lock for that id until it
     * runs, so a retirement cannot slip in between and a connection attaching meanwhile shares the lane.
     */
    void onLane(String threadId, Supplier<SerialExecutor> lanes, java.util.function.Consumer<LiveThread> task) {
        LiveThread thread = threads.compute(threadId, (id, existing) -> {
            LiveThread live = existing != null ? existing : new LiveThread(id, lanes.get());
            live.pendingTasks.incrementAndGet();
            return live;
        });
        thread.lane.execute(() -> {
            thread.pendingTasks.decrementAndGet();
            task.accept(thread);
        });
    }

    /** Detaches; true when that was the thread's last connection. */
    boolean detach(LiveThread thread, EngineConnection connection) {
        thread.connections.remove(connection);
        thread.paused.remove(connection);
        return thread.connections.isEmpty();
    }

    /**
     * Removes the thread if it is still the registered one and has no connection and no work queued or about to
     * be queued on its lane.
     */
    boolean retireIfUnused(LiveThread thread) {
        boolean[] retired = {false};
        threads.computeIfPresent(thread.threadId(), (id, current) -> {
            if (current == thread && current.connections.isEmpty() && current.lane.queued() == 0
                    && current.pendingTasks.get() == 0) {
                retired[0] = true;
                return null;
            }
            return current;
        });
        return retired[0];
    }
}
