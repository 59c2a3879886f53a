package io.liminal.ltp.testing;

import io.liminal.ltp.core.concurrent.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} on virtual time: tasks run only when the test calls {@link #advance(Duration)} or
 * {@link #runDue()}, on the calling thread, in due-time order (ties in scheduling order), with the
 * {@link FakeClock} set to each task's due time while it runs. Tasks may be scheduled from any thread.
 */
public final class FakeScheduler implements Scheduler {
    private final FakeClock clock;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long sequence;

    /** A scheduler driving {@code clock}. */
    public FakeScheduler(FakeClock clock) {
        this.clock = clock;
    }

    /** The clock this scheduler moves. */
    public FakeClock clock() {
        return clock;
    }

    @Override
    public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        Task scheduled;
        synchronized (tasks) {
            scheduled = new Task(clock.millis() + Math.max(0, unit.toMillis(delay)), sequence++, task);
            tasks.add(scheduled);
            tasks.notifyAll();
        }
        return () -> {
            synchronized (tasks) {
                tasks.remove(scheduled);
            }
        };
    }

    /** Runs every task due now (including ones they schedule for now). */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves time forward by {@code duration}, running each task that falls due on the way, at its due time. */
    public void advance(Duration duration) {
        long target = clock.millis() + duration.toMillis();
        while (true) {
            Task next;
            synchronized (tasks) {
                next = tasks.peek();
                if (next == null || next.dueMillis > target) {
                    break;
                }
                tasks.poll();
            }
            clock.setMillis(next.dueMillis);
            next.task.run();
        }
        clock.setMillis(target);
    }

    /** Delays, from now, of the tasks waiting to run, soonest first. */
    public List<Duration> pendingDelays() {
        synchronized (tasks) {
            List<Task> sorted = new ArrayList<>(tasks);
            sorted.sort(null);
            long now = clock.millis();
            return sorted.stream().map(t -> Duration.ofMillis(t.dueMillis - now)).toList();
        }
    }

    /**
     * Waits until at least {@code count} tasks are scheduled (other threads may be about to schedule them), then
     * returns their delays as {@link #pendingDelays()} does.
     *
     * @throws AssertionError when that does not happen within {@code timeout}
     */
    public List<Duration> awaitPending(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (tasks) {
            while (tasks.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("Fewer than " + count + " tasks scheduled within " + timeout);
                }
                try {
                    tasks.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
        return pendingDelays();
    }

    /** How many tasks wait to run. */
    public int pending() {
        synchronized (tasks) {
            return tasks.size();
        }
    }

    private record Task(long dueMillis, long order, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            int byTime = Long.compare(dueMillis, other.dueMillis);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }
}
