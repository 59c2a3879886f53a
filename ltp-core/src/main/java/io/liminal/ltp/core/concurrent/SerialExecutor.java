package io.liminal.ltp.core.concurrent;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * Runs tasks one at a time, in submission order, on a shared {@link Executor}: a "lane". Many lanes can share one
 * pool without any of them running two tasks at once, so state owned by a lane needs no locks.
 *
 * <p>A task that throws does not stop the lane; the exception goes to the handler given at construction.
 *
 * <p>A task may hold the lane until some asynchronous work completes ({@link #continueAfter}): the lane then runs
 * nothing else, yet holds no thread while it waits.
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
    /** A task of {@link #drain} is running (so a continuation that is ready must wait for it to return). */
    private boolean inTask;
    /** A task asked to hold the lane until its continuation runs. */
    private boolean held;
    /** The continuation, when it was ready before the task that asked for it returned. */
    private Runnable ready;
    /** How many tasks were ever submitted; written under the lock. */
    private volatile long submitted;

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
        submit(task, null);
    }

    /**
     * As {@link #execute}, for a task that is given its number when it runs: tasks are numbered from 1 in the
     * order they were submitted, so a task can tell whether anything was submitted after it before some moment
     * ({@link #submitted()} read at that moment).
     */
    public void executeNumbered(LongConsumer task) {
        Objects.requireNonNull(task, "task");
        submit(null, task);
    }

    /** Queues {@code task}, or {@code numbered} with its number. */
    private void submit(Runnable task, LongConsumer numbered) {
        boolean start;
        synchronized (drain) {
            long number = ++submitted;
            queue().add(task != null ? task : () -> numbered.accept(number));
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

    /** The number of the last task submitted (by any method); 0 before any. */
    public long submitted() {
        return submitted;
    }

    /**
     * Runs a short, non-blocking task on the calling thread if the lane is idle, else queues it like
     * {@link #execute}. Either way it runs after every task submitted before it and before any submitted after;
     * only the thread differs. Saves a thread hand-off for bookkeeping that must be ordered with the lane's work.
     */
    public void executeInlineIfIdle(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (drain) {
            submitted++;
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

    /**
     * Holds the lane until {@code stage} completes, then runs {@code then} on the lane, before anything submitted
     * meanwhile. Call it from a task this lane runs through {@link #execute}, at most once per task; the thread
     * that runs the task is free when the task returns, so a lane waiting for I/O does not hold a pool thread.
     * {@code then} may itself call this method.
     *
     * <p>When the delegate refuses the continuation (it is shutting down), the continuation runs on the thread
     * that completed {@code stage}, so that it is never lost.
     *
     * @throws IllegalStateException when not called from a task of this lane, or twice from one task
     */
    public <T> void continueAfter(CompletionStage<T> stage, BiConsumer<? super T, ? super Throwable> then) {
        Objects.requireNonNull(then, "then");
        synchronized (drain) {
            if (!inTask || held) {
                throw new IllegalStateException("continueAfter must be called once from a task this lane runs");
            }
            held = true;
        }
        stage.whenComplete((value, error) -> resume(() -> then.accept(value, error)));
    }

    private void resume(Runnable continuation) {
        synchronized (drain) {
            if (inTask) {
                ready = continuation; // the task that held the lane is still running: drain picks it up
                return;
            }
            held = false;
            inTask = true;
        }
        try {
            delegate.execute(() -> drainFrom(continuation));
        } catch (RejectedExecutionException e) {
            drainFrom(continuation);
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
        drainFrom(null);
    }

    /** Runs {@code first} (when given, with {@link #inTask} already set), then the queue, until empty or held. */
    private void drainFrom(Runnable first) {
        Runnable task = first;
        while (true) {
            if (task == null) {
                synchronized (drain) {
                    task = queue().poll();
                    if (task == null) {
                        running = false;
                        return;
                    }
                    inTask = true;
                }
            }
            try {
                task.run();
            } catch (Throwable t) {
                onError.uncaughtException(Thread.currentThread(), t);
            }
            synchronized (drain) {
                inTask = false;
                task = null;
                if (held) {
                    if (ready == null) {
                        return; // still running as far as submitters know: the continuation resumes the lane
                    }
                    task = ready;
                    ready = null;
                    held = false;
                    inTask = true;
                }
            }
        }
    }
}
