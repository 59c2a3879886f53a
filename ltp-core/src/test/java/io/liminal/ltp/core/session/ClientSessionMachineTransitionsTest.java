package io.liminal.ltp.core.session;

import static io.liminal.ltp.core.session.ClientSessionMachineTest.INIT;
import static io.liminal.ltp.core.session.ClientSessionMachineTest.ack;
import static io.liminal.ltp.core.session.ClientSessionMachineTest.error;
import static io.liminal.ltp.core.session.ClientSessionMachineTest.message;
import static io.liminal.ltp.core.session.ClientSessionMachineTest.reject;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every (state, event) pair of the client session machine is either a defined transition or a defined error;
 * the table is the machine's specification.
 */
class ClientSessionMachineTransitionsTest {
    static final Map<String, Consumer<Fixture>> STATES = new LinkedHashMap<>();
    static final Map<String, BiConsumer<Fixture, RecordingClientActions>> EVENTS = new LinkedHashMap<>();

    static {
        STATES.put("DISCONNECTED", f -> { });
        STATES.put("CONNECTING", f -> f.machine.connect(f.out));
        STATES.put("HANDSHAKING_RESUME", f -> {
            f.machine.connect(f.out);
            f.machine.transportOpened(1, f.out);
        });
        STATES.put("HANDSHAKING_INIT", f -> {
            f.machine.connect(f.out);
            f.machine.transportOpened(1, f.out);
            f.machine.received(1, reject(true), f.out);
        });
        STATES.put("CONNECTED", f -> {
            f.machine.connect(f.out);
            f.machine.transportOpened(1, f.out);
            f.machine.received(1, ack("t0", "s1", true, "0.3"), f.out);
        });
        STATES.put("BACKOFF", f -> {
            f.machine.connect(f.out);
            f.machine.transportFailed(1, f.out);
        });
        STATES.put("CLOSED", f -> f.machine.close(f.out));
        STATES.put("FAILED", f -> {
            f.machine.connect(f.out);
            f.machine.transportOpened(1, f.out);
            f.machine.received(1, error("UNSUPPORTED_VERSION"), f.out);
        });

        EVENTS.put("connect", (f, out) -> f.machine.connect(out));
        EVENTS.put("opened", (f, out) -> f.machine.transportOpened(f.machine.attempt(), out));
        EVENTS.put("open_failed", (f, out) -> f.machine.transportFailed(f.machine.attempt(), out));
        EVENTS.put("ack", (f, out) -> f.machine.received(f.machine.attempt(), ack("t0", "s2", true, "0.3"), out));
        EVENTS.put("ack_bad_version", (f, out) -> f.machine.received(f.machine.attempt(), ack("t0", "s2", true, "0.1"), out));
        EVENTS.put("reject_suggest", (f, out) -> f.machine.received(f.machine.attempt(), reject(true), out));
        EVENTS.put("reject_final", (f, out) -> f.machine.received(f.machine.attempt(), reject(false), out));
        EVENTS.put("error_permanent", (f, out) -> f.machine.received(f.machine.attempt(), error("INVALID_CLIENT_ID"), out));
        EVENTS.put("error_other", (f, out) -> f.machine.received(f.machine.attempt(), error("RATE_LIMIT_EXCEEDED"), out));
        EVENTS.put("error_session_expired", (f, out) -> f.machine.received(f.machine.attempt(), error("SESSION_EXPIRED"), out));
        EVENTS.put("envelope", (f, out) -> f.machine.received(f.machine.attempt(), message(
                "{\"type\":\"event\",\"thread_id\":\"t0\",\"session_id\":\"s1\",\"timestamp\":1,"
                        + "\"payload\":{\"event_type\":\"e\",\"data\":1}}"), out));
        EVENTS.put("closed_abnormal", (f, out) -> f.machine.transportClosed(f.machine.attempt(), 1006, "", out));
        EVENTS.put("closed_going_away", (f, out) -> f.machine.transportClosed(f.machine.attempt(), 1001, "going away", out));
        EVENTS.put("closed_superseded", (f, out) -> f.machine.transportClosed(f.machine.attempt(), 1000,
                "session_superseded", out));
        EVENTS.put("stale_close", (f, out) -> f.machine.transportClosed(f.machine.attempt() - 1, 1006, "", out));
        EVENTS.put("heartbeat_timeout", (f, out) -> f.machine.heartbeatTimeout(out));
        EVENTS.put("handshake_timeout", (f, out) -> f.machine.handshakeTimeout(out));
        EVENTS.put("reconnect_due", (f, out) -> f.machine.reconnectDue(out));
        EVENTS.put("retries_exhausted", (f, out) -> f.machine.retriesExhausted(out));
        EVENTS.put("close", (f, out) -> f.machine.close(out));
    }

    static final String TABLE = """
            DISCONNECTED | connect | CONNECTING: open #1
            DISCONNECTED | opened | DISCONNECTED: -
            DISCONNECTED | open_failed | DISCONNECTED: -
            DISCONNECTED | ack | DISCONNECTED: -
            DISCONNECTED | ack_bad_version | DISCONNECTED: -
            DISCONNECTED | reject_suggest | DISCONNECTED: -
            DISCONNECTED | reject_final | DISCONNECTED: -
            DISCONNECTED | error_permanent | DISCONNECTED: -
            DISCONNECTED | error_other | DISCONNECTED: -
            DISCONNECTED | error_session_expired | DISCONNECTED: -
            DISCONNECTED | envelope | DISCONNECTED: -
            DISCONNECTED | closed_abnormal | DISCONNECTED: -
            DISCONNECTED | closed_going_away | DISCONNECTED: -
            DISCONNECTED | closed_superseded | DISCONNECTED: -
            DISCONNECTED | stale_close | DISCONNECTED: -
            DISCONNECTED | heartbeat_timeout | DISCONNECTED: -
            DISCONNECTED | handshake_timeout | DISCONNECTED: -
            DISCONNECTED | reconnect_due | DISCONNECTED: -
            DISCONNECTED | retries_exhausted | DISCONNECTED: -
            DISCONNECTED | close | CLOSED: -

            CONNECTING | connect | CONNECTING: -
            CONNECTING | opened | HANDSHAKING_RESUME: send handshake_resume
            CONNECTING | open_failed | BACKOFF: scheduleReconnect
            CONNECTING | ack | CONNECTING: -
            CONNECTING | ack_bad_version | CONNECTING: -
            CONNECTING | reject_suggest | CONNECTING: -
            CONNECTING | reject_final | CONNECTING: -
            CONNECTING | error_permanent | CONNECTING: -
            CONNECTING | error_other | CONNECTING: -
            CONNECTING | error_session_expired | CONNECTING: -
            CONNECTING | envelope | CONNECTING: -
            CONNECTING | closed_abnormal | BACKOFF: scheduleReconnect
            CONNECTING | closed_going_away | CONNECTING: open #2
            CONNECTING | closed_superseded | FAILED: failed SESSION_SUPERSEDED
            CONNECTING | stale_close | CONNECTING: -
            CONNECTING | heartbeat_timeout | CONNECTING: -
            CONNECTING | handshake_timeout | CONNECTING: -
            CONNECTING | reconnect_due | CONNECTING: -
            CONNECTING | retries_exhausted | CONNECTING: -
            CONNECTING | close | CLOSED: closeTransport 1000 client_closed

            HANDSHAKING_RESUME | connect | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | opened | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | open_failed | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | ack | CONNECTED: persist; connected
            HANDSHAKING_RESUME | ack_bad_version | BACKOFF: closeTransport 1002 Unsupported version in ack; scheduleReconnect
            HANDSHAKING_RESUME | reject_suggest | HANDSHAKING_INIT: clear; send handshake_init
            HANDSHAKING_RESUME | reject_final | FAILED: clear; closeTransport 1000 resume_rejected; failed RESUME_REJECTED
            HANDSHAKING_RESUME | error_permanent | FAILED: closeTransport 1000 handshake_refused; failed HANDSHAKE_REFUSED
            HANDSHAKING_RESUME | error_other | HANDSHAKING_RESUME: serverError RATE_LIMIT_EXCEEDED
            HANDSHAKING_RESUME | error_session_expired | HANDSHAKING_RESUME: serverError SESSION_EXPIRED
            HANDSHAKING_RESUME | envelope | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | closed_abnormal | BACKOFF: scheduleReconnect
            HANDSHAKING_RESUME | closed_going_away | CONNECTING: open #2
            HANDSHAKING_RESUME | closed_superseded | FAILED: failed SESSION_SUPERSEDED
            HANDSHAKING_RESUME | stale_close | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | heartbeat_timeout | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | handshake_timeout | BACKOFF: closeTransport 1000 handshake_timeout; scheduleReconnect
            HANDSHAKING_RESUME | reconnect_due | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | retries_exhausted | HANDSHAKING_RESUME: -
            HANDSHAKING_RESUME | close | CLOSED: closeTransport 1000 client_closed

            HANDSHAKING_INIT | connect | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | opened | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | open_failed | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | ack | CONNECTED: persist; connected
            HANDSHAKING_INIT | ack_bad_version | BACKOFF: closeTransport 1002 Unsupported version in ack; scheduleReconnect
            HANDSHAKING_INIT | reject_suggest | FAILED: closeTransport 1000 unexpected_reject; failed UNEXPECTED_REJECT
            HANDSHAKING_INIT | reject_final | FAILED: closeTransport 1000 unexpected_reject; failed UNEXPECTED_REJECT
            HANDSHAKING_INIT | error_permanent | FAILED: closeTransport 1000 handshake_refused; failed HANDSHAKE_REFUSED
            HANDSHAKING_INIT | error_other | HANDSHAKING_INIT: serverError RATE_LIMIT_EXCEEDED
            HANDSHAKING_INIT | error_session_expired | HANDSHAKING_INIT: serverError SESSION_EXPIRED
            HANDSHAKING_INIT | envelope | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | closed_abnormal | BACKOFF: scheduleReconnect
            HANDSHAKING_INIT | closed_going_away | CONNECTING: open #2
            HANDSHAKING_INIT | closed_superseded | FAILED: failed SESSION_SUPERSEDED
            HANDSHAKING_INIT | stale_close | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | heartbeat_timeout | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | handshake_timeout | BACKOFF: closeTransport 1000 handshake_timeout; scheduleReconnect
            HANDSHAKING_INIT | reconnect_due | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | retries_exhausted | HANDSHAKING_INIT: -
            HANDSHAKING_INIT | close | CLOSED: closeTransport 1000 client_closed

            CONNECTED | connect | CONNECTED: -
            CONNECTED | opened | CONNECTED: -
            CONNECTED | open_failed | CONNECTED: -
            CONNECTED | ack | CONNECTED: -
            CONNECTED | ack_bad_version | CONNECTED: -
            CONNECTED | reject_suggest | CONNECTED: -
            CONNECTED | reject_final | CONNECTED: -
            CONNECTED | error_permanent | CONNECTED: serverError INVALID_CLIENT_ID
            CONNECTED | error_other | CONNECTED: serverError RATE_LIMIT_EXCEEDED
            CONNECTED | error_session_expired | HANDSHAKING_RESUME: serverError SESSION_EXPIRED; send handshake_resume
            CONNECTED | envelope | CONNECTED: deliver event
            CONNECTED | closed_abnormal | BACKOFF: disconnected 1006; scheduleReconnect
            CONNECTED | closed_going_away | CONNECTING: disconnected 1001; open #2
            CONNECTED | closed_superseded | FAILED: disconnected 1000; failed SESSION_SUPERSEDED
            CONNECTED | stale_close | CONNECTED: -
            CONNECTED | heartbeat_timeout | BACKOFF: closeTransport 1000 heartbeat_timeout; disconnected 1000; scheduleReconnect
            CONNECTED | handshake_timeout | CONNECTED: -
            CONNECTED | reconnect_due | CONNECTED: -
            CONNECTED | retries_exhausted | CONNECTED: -
            CONNECTED | close | CLOSED: closeTransport 1000 client_closed; disconnected 1000

            BACKOFF | connect | BACKOFF: -
            BACKOFF | opened | BACKOFF: -
            BACKOFF | open_failed | BACKOFF: -
            BACKOFF | ack | BACKOFF: -
            BACKOFF | ack_bad_version | BACKOFF: -
            BACKOFF | reject_suggest | BACKOFF: -
            BACKOFF | reject_final | BACKOFF: -
            BACKOFF | error_permanent | BACKOFF: -
            BACKOFF | error_other | BACKOFF: -
            BACKOFF | error_session_expired | BACKOFF: -
            BACKOFF | envelope | BACKOFF: -
            BACKOFF | closed_abnormal | BACKOFF: -
            BACKOFF | closed_going_away | BACKOFF: -
            BACKOFF | closed_superseded | BACKOFF: -
            BACKOFF | stale_close | BACKOFF: -
            BACKOFF | heartbeat_timeout | BACKOFF: -
            BACKOFF | handshake_timeout | BACKOFF: -
            BACKOFF | reconnect_due | CONNECTING: open #2
            BACKOFF | retries_exhausted | FAILED: failed RETRIES_EXHAUSTED
            BACKOFF | close | CLOSED: -

            CLOSED | connect | IllegalStateException
            CLOSED | opened | CLOSED: -
            CLOSED | open_failed | CLOSED: -
            CLOSED | ack | CLOSED: -
            CLOSED | ack_bad_version | CLOSED: -
            CLOSED | reject_suggest | CLOSED: -
            CLOSED | reject_final | CLOSED: -
            CLOSED | error_permanent | CLOSED: -
            CLOSED | error_other | CLOSED: -
            CLOSED | error_session_expired | CLOSED: -
            CLOSED | envelope | CLOSED: -
            CLOSED | closed_abnormal | CLOSED: -
            CLOSED | closed_going_away | CLOSED: -
            CLOSED | closed_superseded | CLOSED: -
            CLOSED | stale_close | CLOSED: -
            CLOSED | heartbeat_timeout | CLOSED: -
            CLOSED | handshake_timeout | CLOSED: -
            CLOSED | reconnect_due | CLOSED: -
            CLOSED | retries_exhausted | CLOSED: -
            CLOSED | close | CLOSED: -

            FAILED | connect | CONNECTING: open #2
            FAILED | opened | FAILED: -
            FAILED | open_failed | FAILED: -
            FAILED | ack | FAILED: -
            FAILED | ack_bad_version | FAILED: -
            FAILED | reject_suggest | FAILED: -
            FAILED | reject_final | FAILED: -
            FAILED | error_permanent | FAILED: -
            FAILED | error_other | FAILED: -
            FAILED | error_session_expired | FAILED: -
            FAILED | envelope | FAILED: -
            FAILED | closed_abnormal | FAILED: -
            FAILED | closed_going_away | FAILED: -
            FAILED | closed_superseded | FAILED: -
            FAILED | stale_close | FAILED: -
            FAILED | heartbeat_timeout | FAILED: -
            FAILED | handshake_timeout | FAILED: -
            FAILED | reconnect_due | FAILED: -
            FAILED | retries_exhausted | FAILED: -
            FAILED | close | CLOSED: -
            """;

    static Map<String, String> expectations() {
        Map<String, String> expected = new LinkedHashMap<>();
        TABLE.lines().filter(line -> !line.isBlank()).forEach(line -> {
            String[] parts = line.split("\\s*\\|\\s*");
            expected.put(parts[0].trim() + " | " + parts[1].trim(), parts[2].trim());
        });
        return expected;
    }

    static Stream<Arguments> pairs() {
        return STATES.keySet().stream().flatMap(state -> EVENTS.keySet().stream().map(event -> Arguments.of(state, event)));
    }

    @Test
    @DisplayName("the table covers every (state, event) pair exactly once")
    void tableIsComplete() {
        assertThat(expectations().keySet()).containsExactlyInAnyOrderElementsOf(
                pairs().map(a -> a.get()[0] + " | " + a.get()[1]).toList());
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("pairs")
    @DisplayName("every (state, event) pair is a defined transition or a defined error")
    void transition(String state, String event) {
        Fixture fixture = new Fixture();
        STATES.get(state).accept(fixture);
        assertThat(fixture.machine.state().name()).isEqualTo(state);
        RecordingClientActions out = new RecordingClientActions();
        String outcome;
        try {
            EVENTS.get(event).accept(fixture, out);
            outcome = fixture.machine.state() + ": " + out.summary();
        } catch (IllegalStateException e) {
            outcome = "IllegalStateException";
        }
        assertThat(outcome).isEqualTo(expectations().get(state + " | " + event));
    }

    /** A machine with a stored thread, and the recorder used to bring it into a state. */
    static final class Fixture {
        final ClientSessionMachine machine = new ClientSessionMachine(INIT, "t0");
        final RecordingClientActions out = new RecordingClientActions();
    }
}
