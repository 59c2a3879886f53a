package io.liminal.ltp.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. Thread-safe. */
public final class FakeClock extends Clock {
    private final AtomicLong millis;

    /** A clock at {@code start}. */
    public FakeClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    /** A clock at 2024-11-14T16:00:00Z (epoch 1731600000, the spec's example time). */
    public FakeClock() {
        this(Instant.ofEpochSecond(1_731_600_000L));
    }

    /** Moves the clock forward. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time only moves forward: " + duration);
        }
        millis.addAndGet(duration.toMillis());
    }

    /** Sets the clock to an absolute time in epoch milliseconds (never backwards). */
    public void setMillis(long epochMillis) {
        millis.accumulateAndGet(epochMillis, Math::max);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
