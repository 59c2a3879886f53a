package io.liminal.ltp.core.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    @Test
    void runsTasksOneAtATimeInOrderOnASharedPool() throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        SerialExecutor lane = new SerialExecutor(pool, (t, e) -> errors.add(e));
        AtomicInteger running = new AtomicInteger();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            lane.execute(() -> {
                if (running.incrementAndGet() != 1) {
                    throw new AssertionError("two tasks at once");
                }
                order.add(n);
                running.decrementAndGet();
                if (n == 9_999) {
                    done.countDown();
                }
            });
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(errors).isEmpty();
        assertThat(order).hasSize(10_000).isSorted();
    }

    @Test
    void aFailingTaskDoesNotStopTheLane() {
        List<Throwable> errors = new ArrayList<>();
        SerialExecutor lane = new SerialExecutor(Runnable::run, (t, e) -> errors.add(e));
        List<String> ran = new ArrayList<>();
        lane.execute(() -> {
            throw new IllegalStateException("boom");
        });
        lane.execute(() -> ran.add("next"));
        assertThat(ran).containsExactly("next");
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reentrantSubmissionRunsAfterTheCurrentTask() {
        SerialExecutor lane = new SerialExecutor(Runnable::run, (t, e) -> { });
        List<String> ran = new ArrayList<>();
        lane.execute(() -> {
            lane.execute(() -> ran.add("inner"));
            ran.add("outer");
        });
        assertThat(ran).containsExactly("outer", "inner");
    }

    @Test
    void anIdleLaneRunsInlineTasksOnTheCallingThread() {
        List<Runnable> handedOff = new ArrayList<>();
        SerialExecutor lane = new SerialExecutor(handedOff::add, (t, e) -> { });
        Thread[] ranOn = new Thread[1];
        lane.executeInlineIfIdle(() -> ranOn[0] = Thread.currentThread());
        assertThat(ranOn[0]).isSameAs(Thread.currentThread());
        assertThat(handedOff).isEmpty();
    }

    @Test
    void aBusyLaneQueuesInlineTasksBehindEarlierOnes() {
        List<Runnable> handedOff = new ArrayList<>();
        SerialExecutor lane = new SerialExecutor(handedOff::add, (t, e) -> { });
        List<String> ran = new ArrayList<>();
        lane.execute(() -> ran.add("queued first"));
        lane.executeInlineIfIdle(() -> ran.add("inline"));
        assertThat(ran).isEmpty();
        assertThat(handedOff).hasSize(1);
        handedOff.get(0).run();
        assertThat(ran).containsExactly("queued first", "inline");
    }

    @Test
    void tasksSubmittedDuringAnInlineTaskRunAfterItOnTheDelegate() {
        List<Runnable> handedOff = new ArrayList<>();
        SerialExecutor lane = new SerialExecutor(handedOff::add, (t, e) -> { });
        List<String> ran = new ArrayList<>();
        lane.executeInlineIfIdle(() -> {
            lane.execute(() -> ran.add("submitted meanwhile"));
            ran.add("inline");
        });
        assertThat(ran).containsExactly("inline");
        assertThat(handedOff).hasSize(1);
        handedOff.get(0).run();
        assertThat(ran).containsExactly("inline", "submitted meanwhile");
    }

    @Test
    void aHeldLaneRunsTheContinuationBeforeWhatWasSubmittedMeanwhile() {
        SerialExecutor lane = new SerialExecutor(Runnable::run, (t, e) -> { });
        List<String> ran = new ArrayList<>();
        CompletableFuture<String> commit = new CompletableFuture<>();
        lane.execute(() -> {
            ran.add("task");
            lane.continueAfter(commit, (value, error) -> ran.add("then " + value));
        });
        lane.execute(() -> ran.add("next"));
        assertThat(ran).containsExactly("task");
        assertThat(lane.queued()).isEqualTo(1);

        commit.complete("committed");

        assertThat(ran).containsExactly("task", "then committed", "next");
        assertThat(lane.queued()).isZero();
    }

    @Test
    void aStageCompleteBeforeTheTaskReturnsContinuesRightAfterIt() {
        SerialExecutor lane = new SerialExecutor(Runnable::run, (t, e) -> { });
        List<String> ran = new ArrayList<>();
        lane.execute(() -> {
            lane.continueAfter(CompletableFuture.failedFuture(new IllegalStateException("x")),
                    (value, error) -> ran.add("then " + error.getMessage()));
            lane.execute(() -> ran.add("next"));
            ran.add("task");
        });
        assertThat(ran).containsExactly("task", "then x", "next");
    }

    @Test
    void aHeldLaneHoldsNoThread() throws Exception {
        ExecutorService oneThread = Executors.newSingleThreadExecutor();
        try {
            SerialExecutor held = new SerialExecutor(oneThread, (t, e) -> { });
            SerialExecutor other = new SerialExecutor(oneThread, (t, e) -> { });
            CompletableFuture<Void> io = new CompletableFuture<>();
            CountDownLatch holding = new CountDownLatch(1);
            CompletableFuture<String> continued = new CompletableFuture<>();
            held.execute(() -> {
                held.continueAfter(io, (value, error) -> continued.complete(Thread.currentThread().getName()));
                holding.countDown();
            });
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<String> otherRan = new CompletableFuture<>();
            other.execute(() -> otherRan.complete("ran"));
            assertThat(otherRan.get(5, TimeUnit.SECONDS)).isEqualTo("ran"); // the only pool thread was free
            assertThat(continued).isNotDone();
            io.complete(null);
            assertThat(continued.get(5, TimeUnit.SECONDS)).startsWith("pool-");
        } finally {
            oneThread.shutdownNow();
        }
    }

    @Test
    void continueAfterOnlyFromALaneTaskAndOncePerTask() {
        List<Throwable> errors = new ArrayList<>();
        SerialExecutor lane = new SerialExecutor(Runnable::run, (t, e) -> errors.add(e));
        assertThatThrownBy(() -> lane.continueAfter(new CompletableFuture<>(), (v, e) -> { }))
                .isInstanceOf(IllegalStateException.class);
        lane.execute(() -> {
            lane.continueAfter(new CompletableFuture<>(), (v, e) -> { });
            lane.continueAfter(new CompletableFuture<>(), (v, e) -> { });
        });
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRefusedContinuationRunsOnTheCompletingThread() {
        boolean[] refuse = {false};
        SerialExecutor lane = new SerialExecutor(task -> {
            if (refuse[0]) {
                throw new RejectedExecutionException("stopping");
            }
            task.run();
        }, (t, e) -> { });
        CompletableFuture<Void> io = new CompletableFuture<>();
        List<String> ran = new ArrayList<>();
        lane.execute(() -> lane.continueAfter(io, (v, e) -> ran.add("then")));
        refuse[0] = true;
        io.complete(null);
        assertThat(ran).containsExactly("then");
    }

    @Test
    void numbersEveryTaskInSubmissionOrder() {
        List<Runnable> queued = new ArrayList<>();
        SerialExecutor lane = new SerialExecutor(queued::add, (t, e) -> { });
        List<Long> numbers = new ArrayList<>();
        assertThat(lane.submitted()).isZero();
        lane.execute(() -> numbers.add(-1L));
        lane.executeNumbered(numbers::add);
        lane.executeInlineIfIdle(() -> numbers.add(-3L)); // queued: the lane is busy
        lane.executeNumbered(numbers::add);
        assertThat(lane.submitted()).as("read before the tasks run").isEqualTo(4);
        queued.remove(0).run();
        assertThat(numbers).containsExactly(-1L, 2L, -3L, 4L);
    }
}
