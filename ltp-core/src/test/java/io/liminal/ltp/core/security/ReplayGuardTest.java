package io.liminal.ltp.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {
    private static final long NOW_MS = 1_731_600_000_000L;
    private final MutableClock clock = new MutableClock(NOW_MS);
    private final ReplayGuard guard = ReplayGuard.builder().clock(clock).build();

    private static Envelope envelope(long timestamp, String nonce) {
        return Envelope.builder("ping").threadId("t").sessionId("s").timestamp(timestamp).nonce(nonce)
                .meta(Meta.builder().clientId("c").build()).build();
    }

    private static void assertRejected(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    @DisplayName("LTP-SEC-005: a nonce seen in the last 5 minutes is INVALID_NONCE")
    void replayedNonce() {
        guard.check(envelope(NOW_MS / 1000, "c-" + NOW_MS + "-00112233445566778899aabbccddeeff"));
        clock.advance(Duration.ofSeconds(30));
        assertRejected(() -> guard.check(envelope(clock.millis() / 1000, "c-" + NOW_MS
                + "-00112233445566778899aabbccddeeff")), ErrorCode.INVALID_NONCE);
        guard.check(envelope(clock.millis() / 1000, "opaque-nonce-1"));
        assertRejected(() -> guard.check(envelope(clock.millis() / 1000, "opaque-nonce-1")), ErrorCode.INVALID_NONCE);
    }

    @Test
    @DisplayName("a nonce is forgotten after its TTL")
    void nonceTtl() {
        guard.check(envelope(NOW_MS / 1000, "opaque"));
        clock.advance(Duration.ofMinutes(5).plusMillis(1));
        guard.check(envelope(clock.millis() / 1000, "opaque"));
        assertThat(guard.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("LTP-SEC-006: timestamps over 60 s old are MESSAGE_TOO_OLD, over 5 s ahead INVALID_TIMESTAMP")
    void timestampWindow() {
        long nowSeconds = NOW_MS / 1000;
        guard.check(envelope(nowSeconds - 60, "a"));
        assertRejected(() -> guard.check(envelope(nowSeconds - 61, "b")), ErrorCode.MESSAGE_TOO_OLD);
        guard.check(envelope(nowSeconds + 5, "c"));
        assertRejected(() -> guard.check(envelope(nowSeconds + 6, "d")), ErrorCode.INVALID_TIMESTAMP);
    }

    @Test
    @DisplayName("A-20: timestamps of 10^12 and more are read as milliseconds")
    void millisecondTimestamps() {
        guard.check(envelope(NOW_MS - 59_000, "a"));
        assertRejected(() -> guard.check(envelope(NOW_MS - 61_000, "b")), ErrorCode.MESSAGE_TOO_OLD);
        assertRejected(() -> guard.check(envelope(NOW_MS + 6_000, "c")), ErrorCode.INVALID_TIMESTAMP);
    }

    @Test
    @DisplayName("MISSING_NONCE without one; INVALID_NONCE for a foreign client id, a short random part, an old nonce time")
    void nonceShapes() {
        long seconds = NOW_MS / 1000;
        assertRejected(() -> guard.check(envelope(seconds, null)), ErrorCode.MISSING_NONCE);
        assertRejected(() -> guard.check(envelope(seconds, "other-" + NOW_MS + "-00112233445566778899aabbccddeeff")),
                ErrorCode.INVALID_NONCE);
        assertRejected(() -> guard.check(envelope(seconds, "c-" + NOW_MS + "-0011223")), ErrorCode.INVALID_NONCE);
        assertRejected(() -> guard.check(envelope(seconds, "c-" + (NOW_MS - 61_000) + "-00112233445566778899")),
                ErrorCode.INVALID_NONCE);
        assertRejected(() -> guard.check(envelope(seconds, "hmac-00112233445566778899aabbccddeeff-" + (NOW_MS + 61_000))),
                ErrorCode.INVALID_NONCE);
        guard.check(envelope(seconds, "hmac-00112233445566778899aabbccddeeff-" + NOW_MS));
    }

    @Test
    @DisplayName("a rejected time check does not remember the nonce (time before nonce)")
    void timeBeforeNonce() {
        assertRejected(() -> guard.check(envelope(0, "n")), ErrorCode.MESSAGE_TOO_OLD);
        guard.check(envelope(NOW_MS / 1000, "n"));
    }

    @Test
    @DisplayName("memory is bounded: the oldest nonce is evicted and premature evictions are counted")
    void boundedMemory() {
        ReplayGuard small = ReplayGuard.builder().clock(clock).maxEntries(100).build();
        for (int i = 0; i < 250; i++) {
            small.check(envelope(clock.millis() / 1000, "n" + i));
        }
        assertThat(small.size()).isEqualTo(100);
        assertThat(small.prematureEvictions()).isEqualTo(150);
        // Entries older than the drift window are evicted without concern.
        ReplayGuard later = ReplayGuard.builder().clock(clock).maxEntries(1).build();
        later.check(envelope(clock.millis() / 1000, "x"));
        clock.advance(Duration.ofSeconds(120));
        later.check(envelope(clock.millis() / 1000, "y"));
        assertThat(later.prematureEvictions()).isZero();
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(Duration duration) {
            millis += duration.toMillis();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }
}
