package io.liminal.ltp.server.internal.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LimiterTest {
    private final FakeClock clock = new FakeClock();

    @Test
    @DisplayName("a log limiter writes its bound per window, then says how many lines it left out")
    void logLimiter() {
        LogLimiter limiter = new LogLimiter(2, 1_000, clock);
        assertThat(limiter.admit()).isEmpty();
        assertThat(limiter.admit()).isEmpty();
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.admit()).isNull();
        }
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.admit()).isEqualTo(" (5 similar lines suppressed)");
        assertThat(limiter.admit()).isNull();
    }

    @Test
    @DisplayName("keyed allowances are shared per key, bounded in keys, and forget keys that are full again")
    void keyedAllowances() {
        KeyedAllowances allowances = new KeyedAllowances(Allowance.of(2, Duration.ofSeconds(10)), 3, clock);
        assertThat(allowances.tryAcquire("a")).isTrue();
        assertThat(allowances.tryAcquire("a")).isTrue();
        assertThat(allowances.tryAcquire("a")).isFalse();
        assertThat(allowances.tryAcquire("b")).isTrue();
        allowances.tryAcquire("c");
        assertThat(allowances.size()).isEqualTo(3);
        assertThat(allowances.tryAcquire("d")).as("the overflow bucket").isTrue();
        assertThat(allowances.tryAcquire("e")).as("shared with d").isTrue();
        assertThat(allowances.tryAcquire("f")).isFalse();
        assertThat(allowances.size()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(10));
        allowances.sweep();
        assertThat(allowances.size()).isZero();
        assertThat(new KeyedAllowances(Allowance.UNLIMITED, 3, clock).tryAcquire("x")).isTrue();
    }
}
