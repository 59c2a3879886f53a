package io.liminal.ltp.client;

import static io.liminal.ltp.client.ScriptedServer.ack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.client.ScriptedServer.Peer;
import io.liminal.ltp.client.internal.Backoff;
import io.liminal.ltp.core.session.ClientSessionMachine.State;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reconnect delays, retry limits and the circuit breaker, on virtual time against a refusing server (WebSocket only:
 * the fallback to sse-v1 has tests of its own, ClientSseIT).
 */
@Timeout(60)
class ReconnectPolicyTest {
    private final ScriptedServer server = new ScriptedServer();
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final RecordingListener listener = new RecordingListener();
    private LtpClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    /** Waits for the client to enter BACKOFF and returns the reconnect delay it scheduled. */
    private Duration nextBackoff() {
        listener.await("state BACKOFF");
        List<Duration> pending = scheduler.awaitPending(1, ScriptedServer.WAIT);
        assertThat(pending).hasSize(1);
        return pending.get(0);
    }

    @Test
    @DisplayName("LTP-RC-001: waits min(1000 x 2^n, 30000) ms (plus at most 10% jitter, never over the cap), then fails after 5 retries")
    void specDelaysThenPermanentFailure() {
        client = LtpClient.builder(server.uri()).clientId("c").transports(Transport.WEBSOCKET)
                .scheduler(scheduler).clock(clock)
                .noCircuitBreaker().listener(listener).build();
        for (int i = 0; i < 6; i++) {
            server.refuse(503);
        }
        CompletableFuture<Void> connected = client.connect();
        List<Long> delays = new ArrayList<>();
        for (int retry = 0; retry < 5; retry++) {
            Duration delay = nextBackoff();
            delays.add(delay.toMillis());
            scheduler.advance(delay);
        }
        assertThat(listener.await("failed")).isEqualTo("failed RETRIES_EXHAUSTED");
        assertThatThrownBy(connected::join).hasCauseInstanceOf(LtpClientException.PermanentFailureException.class);
        long[] spec = {1_000, 2_000, 4_000, 8_000, 16_000};
        for (int n = 0; n < 5; n++) {
            assertThat(delays.get(n)).as("retry %d", n).isBetween(spec[n], (long) (spec[n] * 1.1));
        }
        assertThat(server.requestCount()).isEqualTo(6);
    }

    @Test
    @DisplayName("the delay is capped at 30 s, jitter never exceeds the cap, and a base other than 1 s scales")
    void backoffFunction() {
        assertThat(Backoff.baseDelayMillis(0, Duration.ofSeconds(1), Duration.ofSeconds(30))).isEqualTo(1_000);
        assertThat(Backoff.baseDelayMillis(4, Duration.ofSeconds(1), Duration.ofSeconds(30))).isEqualTo(16_000);
        assertThat(Backoff.baseDelayMillis(5, Duration.ofSeconds(1), Duration.ofSeconds(30))).isEqualTo(30_000);
        assertThat(Backoff.baseDelayMillis(100, Duration.ofSeconds(1), Duration.ofSeconds(30))).isEqualTo(30_000);
        var intervals = Backoff.<Object>intervals(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.1, () -> 0.999);
        assertThat(intervals.apply(6, null)).isEqualTo(30_000);
        assertThat(intervals.apply(5, null)).isEqualTo(17_598);
        assertThat(Backoff.<Object>intervals(Duration.ofMillis(50), Duration.ofSeconds(1), 0, () -> 0).apply(3, null))
                .isEqualTo(200);
    }

    @Test
    @DisplayName("LTP-RC-002: the retry counter resets on every ack")
    void counterResetsOnAck() {
        client = LtpClient.builder(server.uri()).clientId("c").transports(Transport.WEBSOCKET)
                .scheduler(scheduler).clock(clock)
                .noCircuitBreaker().maxReconnectAttempts(2).listener(listener).build();
        server.refuse(503);
        server.acceptUpgrade();
        client.connect();
        scheduler.advance(nextBackoff()); // one retry used before the ack
        Peer peer = server.awaitPeer();
        peer.nextJson();
        peer.send(ack("t1", "s1", false, 15_000));
        listener.await("connected");
        server.refuse(503);
        server.refuse(503);
        server.cutAll();
        Duration first = nextBackoff();
        assertThat(first.toMillis()).as("counter reset: retry 0 again").isBetween(1_000L, 1_100L);
        scheduler.advance(first);
        assertThat(nextBackoff().toMillis()).isBetween(2_000L, 2_200L);
    }

    @Test
    @DisplayName("unlimited reconnects keep trying at the 30 s cap")
    void unlimited() {
        client = LtpClient.builder(server.uri()).clientId("c").transports(Transport.WEBSOCKET)
                .scheduler(scheduler).clock(clock)
                .noCircuitBreaker().unlimitedReconnects().listener(listener).build();
        for (int i = 0; i < 9; i++) {
            server.refuse(503);
        }
        client.connect();
        Duration last = Duration.ZERO;
        for (int retry = 0; retry < 8; retry++) {
            last = nextBackoff();
            scheduler.advance(last);
        }
        assertThat(last).isEqualTo(Duration.ofSeconds(30));
        assertThat(client.state()).isIn(State.CONNECTING, State.BACKOFF);
    }

    @Test
    @DisplayName("the circuit breaker opens after N failed connects (no attempts while open), probes after its wait, recovers")
    void circuitBreaker() {
        client = LtpClient.builder(server.uri()).clientId("c").transports(Transport.WEBSOCKET)
                .scheduler(scheduler).clock(clock)
                .unlimitedReconnects().circuitBreaker(LtpClient.circuitBreakerConfig(3, Duration.ofSeconds(60)))
                .listener(listener).build();
        for (int i = 0; i < 3; i++) {
            server.refuse(503);
        }
        client.connect();
        scheduler.advance(nextBackoff());
        scheduler.advance(nextBackoff());
        Duration third = nextBackoff();
        assertThat(server.requestCount()).isEqualTo(3);
        scheduler.advance(third);
        // Open: the attempt is refused locally and rescheduled after the breaker's wait, without counting a retry.
        Duration breakerWait = nextBackoff();
        assertThat(breakerWait).isEqualTo(Duration.ofSeconds(60));
        assertThat(server.requestCount()).isEqualTo(3);
        server.acceptUpgrade();
        scheduler.advance(breakerWait);
        Peer peer = server.awaitPeer();
        peer.nextJson();
        peer.send(ack("t1", "s1", false, 15_000));
        assertThat(listener.await("connected")).startsWith("connected t1");
        assertThat(server.requestCount()).isEqualTo(4);
    }

    @Test
    @DisplayName("1008 Server at capacity is retried with backoff like any other unexpected close")
    void capacityRetries() {
        client = LtpClient.builder(server.uri()).clientId("c").transports(Transport.WEBSOCKET)
                .scheduler(scheduler).clock(clock)
                .listener(listener).build();
        server.acceptUpgrade();
        client.connect();
        Peer full = server.awaitPeer();
        full.close(1008, "Server at capacity");
        assertThat(nextBackoff().toMillis()).isBetween(1_000L, 1_100L);
    }
}
