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

    /** A clock the test moves by hand. */
    @Test
    @DisplayName("LTP-SEC-005: 200,001 nonces of another client cannot flush the window; a 16 s old replay is refused")
    void windowCannotBeFlushedByOthers() {
        Envelope victims = envelope(NOW_MS / 1000, "victim-nonce-0001");
        guard.check(victims, "victim");
        clock.advance(Duration.ofSeconds(16));
        int refused = 0;
        for (int i = 0; i <= 200_000; i++) {
            try {
                guard.check(envelope(clock.millis() / 1000, "flood-" + i), "attacker");
            } catch (LtpProtocolException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMIT_EXCEEDED);
                refused++;
            }
        }
        assertThat(refused).as("past its own window of 10,000").isEqualTo(200_001 - 10_000);
        assertRejected(() -> guard.check(victims, "victim"), ErrorCode.INVALID_NONCE);
        assertThat(guard.size()).isEqualTo(10_001);
    }

    @Test
    @DisplayName("a full window refuses with RATE_LIMIT_EXCEEDED until its nonces leave the drift window; then old "
            + "nonces are forgotten and their replays fail on time")
    void fullWindow() {
        ReplayGuard small = ReplayGuard.builder().clock(clock).maxPerClient(3).build();
        Envelope first = envelope(NOW_MS / 1000, "n-1");
        small.check(first, "c");
        small.check(envelope(NOW_MS / 1000, "n-2"), "c");
        small.check(envelope(NOW_MS / 1000, "n-3"), "c");
        LtpProtocolException full = org.junit.jupiter.api.Assertions.assertThrows(LtpProtocolException.class,
                () -> small.check(envelope(NOW_MS / 1000, "n-4"), "c"));
        assertThat(full.code()).isEqualTo(ErrorCode.RATE_LIMIT_EXCEEDED);
        assertThat(full.detail("limit").getAsString()).isEqualTo("replay_window");
        assertThat(small.refusals()).isEqualTo(1);
        small.check(envelope(NOW_MS / 1000, "other-client"), "d");

        clock.advance(Duration.ofMillis(65_001));
        small.check(envelope(clock.millis() / 1000, "n-5"), "c");
        assertThat(small.size()).as("n-1 forgotten, the others kept").isEqualTo(4);
        assertRejected(() -> small.check(first, "c"), ErrorCode.MESSAGE_TOO_OLD);
    }

    @Test
    @DisplayName("all clients together are bounded too: a full guard refuses, it never forgets what is still needed")
    void totalBound() {
        ReplayGuard small = ReplayGuard.builder().clock(clock).maxEntries(5).build();
        for (int i = 0; i < 5; i++) {
            small.check(envelope(NOW_MS / 1000, "n-" + i), "client-" + i);
        }
        assertRejected(() -> small.check(envelope(NOW_MS / 1000, "n-5"), "client-5"), ErrorCode.RATE_LIMIT_EXCEEDED);
        assertRejected(() -> small.check(envelope(NOW_MS / 1000, "n-0"), "client-0"), ErrorCode.INVALID_NONCE);
        clock.advance(Duration.ofMillis(65_001));
        small.check(envelope(clock.millis() / 1000, "n-6"), "client-6");
        assertThat(small.size()).isEqualTo(1);
    }

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
