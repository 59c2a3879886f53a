package io.liminal.ltp.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.concurrent.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FakeSchedulerTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);

    @Test
    void runsTasksInDueOrderAtTheirDueTime() {
        long start = clock.millis();
        List<String> ran = new ArrayList<>();
        scheduler.schedule(() -> ran.add("b@" + (clock.millis() - start)), 200, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("a@" + (clock.millis() - start)), 100, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("c@" + (clock.millis() - start)), 200, TimeUnit.MILLISECONDS);
        scheduler.advance(Duration.ofMillis(199));
        assertThat(ran).containsExactly("a@100");
        scheduler.advance(Duration.ofMillis(1));
        assertThat(ran).containsExactly("a@100", "b@200", "c@200");
        assertThat(clock.millis() - start).isEqualTo(200);
    }

    @Test
    void tasksScheduledByTasksRunWhenDue() {
        List<Long> ran = new ArrayList<>();
        long start = clock.millis();
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            ran.add(clock.millis() - start);
            if (ran.size() < 3) {
                scheduler.schedule(tick[0], 1, TimeUnit.SECONDS);
            }
        };
        scheduler.schedule(tick[0], 1, TimeUnit.SECONDS);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(ran).containsExactly(1000L, 2000L, 3000L);
    }

    @Test
    void cancelledTasksDoNotRun() {
        List<String> ran = new ArrayList<>();
        Scheduler.Cancellable handle = scheduler.schedule(() -> ran.add("x"), 1, TimeUnit.SECONDS);
        assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(1));
        handle.cancel();
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(ran).isEmpty();
        assertThat(scheduler.pending()).isZero();
    }
}
