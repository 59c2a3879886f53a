package io.liminal.ltp.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NonceTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_731_600_000_123L), ZoneOffset.UTC);

    @Test
    @DisplayName("LTP-SEC-001: legacy nonces carry the prefix, epoch ms and 64 random bits in hex")
    void legacyShape() {
        String nonce = NonceGenerator.legacy("client-123", CLOCK).next();
        assertThat(nonce).matches("client-123-1731600000123-[0-9a-f]{16}");
        NonceFormat format = NonceFormat.parse(nonce);
        assertThat(format.kind()).isEqualTo(NonceFormat.Kind.LEGACY);
        assertThat(format.clientId()).isEqualTo("client-123");
        assertThat(format.epochMs()).isEqualTo(1_731_600_000_123L);
        assertThat(NonceGenerator.legacy("server", CLOCK, 16).next()).matches("server-1731600000123-[0-9a-f]{32}");
        assertThatThrownBy(() -> NonceGenerator.legacy("c", CLOCK, 7)).hasMessageContaining("64 bits");
    }

    @Test
    @DisplayName("each nonce carries the time it was made, also when the clock moves between nonces")
    void followsTheClock() {
        ReplayGuardTest.MutableClock moving = new ReplayGuardTest.MutableClock(1_731_600_000_123L);
        NonceGenerator nonces = NonceGenerator.legacy("dévice-42", moving);
        String first = nonces.next();
        assertThat(first).matches("dévice-42-1731600000123-[0-9a-f]{16}");
        assertThat(nonces.next()).startsWith("dévice-42-1731600000123-").isNotEqualTo(first);
        moving.advance(Duration.ofMillis(1));
        assertThat(nonces.next()).matches("dévice-42-1731600000124-[0-9a-f]{16}");
        moving.advance(Duration.ofMillis(9_875));
        assertThat(NonceFormat.parse(nonces.next()).epochMs()).isEqualTo(1_731_600_009_999L);
        // Outside ISO-8859-1 and longer than the scratch array: the same shape.
        NonceGenerator wide = NonceGenerator.legacy("устройство-" + "x".repeat(100), moving, 16);
        assertThat(wide.next()).matches("устройство-x{100}-1731600009999-[0-9a-f]{32}");
        assertThat(NonceGenerator.legacy("p".repeat(120), moving, 16).next())
                .matches("p{120}-1731600009999-[0-9a-f]{32}");
        // The millisecond digits are written by hand: check where their count changes, and 0.
        ReplayGuardTest.MutableClock early = new ReplayGuardTest.MutableClock(0);
        NonceGenerator small = NonceGenerator.legacy("p", early);
        assertThat(small.next()).matches("p-0-[0-9a-f]{16}");
        early.advance(Duration.ofMillis(9));
        assertThat(small.next()).matches("p-9-[0-9a-f]{16}");
        early.advance(Duration.ofMillis(1));
        assertThat(small.next()).matches("p-10-[0-9a-f]{16}");
        early.advance(Duration.ofMillis(Long.MAX_VALUE - 10));
        assertThat(small.next()).matches("p-" + Long.MAX_VALUE + "-[0-9a-f]{16}");
    }

    @Test
    @DisplayName("a nonce for a given time carries that time, whatever the generator's clock says")
    void forAGivenTime() {
        NonceGenerator nonces = NonceGenerator.legacy("server", CLOCK);
        assertThat(nonces.next(1_731_600_009_999L)).matches("server-1731600009999-[0-9a-f]{16}");
        assertThat(nonces.next()).matches("server-1731600000123-[0-9a-f]{16}");
        assertThat(nonces.next(1_731_600_009_999L)).matches("server-1731600009999-[0-9a-f]{16}");
        assertThat(NonceFormat.parse(NonceGenerator.keyed("secret", CLOCK).next(42)).epochMs()).isEqualTo(42);
    }

    @Test
    @DisplayName("LTP-SEC-001: 100,000 nonces from several threads at a frozen clock are all distinct")
    void unique() throws InterruptedException {
        NonceGenerator generator = NonceGenerator.legacy("c", CLOCK);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 25_000; i++) {
                    seen.add(generator.next());
                }
                done.countDown();
            });
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(seen).hasSize(100_000);
    }

    @Test
    @DisplayName("random parts look uniformly distributed (every hex digit in every position)")
    void randomness() {
        NonceGenerator generator = NonceGenerator.legacy("c", CLOCK);
        @SuppressWarnings("unchecked")
        Set<Character>[] positions = new Set[16];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = new HashSet<>();
        }
        for (int n = 0; n < 2_000; n++) {
            String random = NonceFormat.parse(generator.next()).randomPart();
            for (int i = 0; i < 16; i++) {
                positions[i].add(random.charAt(i));
            }
        }
        for (Set<Character> position : positions) {
            assertThat(position).hasSize(16);
        }
    }

    @Test
    @DisplayName("keyed nonces are hmac-<32 hex>-<epoch_ms>")
    void keyedShape() {
        String nonce = NonceGenerator.keyed("secret", CLOCK).next();
        assertThat(nonce).matches("hmac-[0-9a-f]{32}-1731600000123");
        NonceFormat format = NonceFormat.parse(nonce);
        assertThat(format.kind()).isEqualTo(NonceFormat.Kind.KEYED);
        assertThat(format.epochMs()).isEqualTo(1_731_600_000_123L);
    }

    @Test
    @DisplayName("A-19: nonces are parsed from the right, so hyphenated client ids stay whole")
    void parseFromTheRight() {
        NonceFormat format = NonceFormat.parse("client-1731600000000-k3j9-1731600000123-00ff00ff");
        assertThat(format.kind()).isEqualTo(NonceFormat.Kind.LEGACY);
        assertThat(format.clientId()).isEqualTo("client-1731600000000-k3j9");
        assertThat(format.epochMs()).isEqualTo(1731600000123L);
        assertThat(format.randomPart()).isEqualTo("00ff00ff");
        // The reference client's base-36 random part is not hex: opaque.
        assertThat(NonceFormat.parse("client-123-1731600000123-k3j9x0aa").kind()).isEqualTo(NonceFormat.Kind.OPAQUE);
        assertThat(NonceFormat.parse("just-text").kind()).isEqualTo(NonceFormat.Kind.OPAQUE);
        assertThat(NonceFormat.parse("-").kind()).isEqualTo(NonceFormat.Kind.OPAQUE);
        assertThat(NonceFormat.parse("hmac-zz-1").kind()).isEqualTo(NonceFormat.Kind.OPAQUE);
        assertThat(NonceFormat.parse("").kind()).isEqualTo(NonceFormat.Kind.OPAQUE);
    }
}
