package io.liminal.ltp.core.concurrent;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks one at a time, in submission order, on a shared {@link Executor}: a "lane". Many lanes can share one
 * pool without any of them running two tasks at once, so state owned by a lane needs no locks.
 *
 * <p>A task that throws does not stop the lane; the exception goes to the handler given at construction.
 *
 * <p>A server keeps one lane per live thread, so an idle lane is kept small: its queue is made when a task first
 * has to wait.
 */
public final class SerialExecutor implements Executor {
    private final Executor delegate;
    private final Thread.UncaughtExceptionHandler onError;
    /** Runs the queue on the delegate; also the lock that guards {@link #tasks} and {@link #running}. */
    private final Runnable drain = this::drain;
    private ArrayDeque<Runnable> tasks;
    private boolean running;

    /**
     * @param delegate where the lane's tasks run
     * @param onError receives exceptions thrown by tasks
     */
    public SerialExecutor(Executor delegate, Thread.UncaughtExceptionHandler onError) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.onError = Objects.requireNonNull(onError, "onError");
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        boolean start;
        synchronized (drain) {
            queue().add(task);
            start = !running;
            running = true;
        }
        if (start) {
            try {
                delegate.execute(drain);
            } catch (RejectedExecutionException e) {
                synchronized (drain) {
                    tasks.clear();
                    running = false;
                }
                throw e;
            }
        }
    }

    /**
     * Runs a short, non-blocking task on the calling thread if the lane is idle, else queues it like
     * {@link #execute}. Either way it runs after every task submitted before it and before any submitted after;
     * only the thread differs. Saves a thread hand-off for bookkeeping that must be ordered with the lane's work.
     */
    public void executeInlineIfIdle(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (drain) {
            if (running) {
                queue().add(task);
                return;
            }
            running = true;
        }
        try {
            task.run();
        } catch (Throwable t) {
            onError.uncaughtException(Thread.currentThread(), t);
        } finally {
            boolean more;
            synchronized (drain) {
                more = tasks != null && !tasks.isEmpty();
                running = more;
            }
            if (more) {
                delegate.execute(drain);
            }
        }
    }

    /** How many tasks wait to run (not counting the one running). */
    public int queued() {
        synchronized (drain) {
            return tasks == null ? 0 : tasks.size();
        }
    }

    /** The queue, made on first use. Under the lock. */
    private ArrayDeque<Runnable> queue() {
        if (tasks == null) {
            tasks = new ArrayDeque<>(4);
        }
        return tasks;
    }

    private void drain() {
        while (true) {
            Runnable task;
            synchronized (drain) {
                task = tasks.poll();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            try {
                task.run();
            } catch (Throwable t) {
                onError.uncaughtException(Thread.currentThread(), t);
            }
        }
    }
}
