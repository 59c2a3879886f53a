package io.liminal.ltp.core.session;

import static io.liminal.ltp.core.session.ServerConnectionMachineTest.CONFIG;
import static io.liminal.ltp.core.session.ServerConnectionMachineTest.SESSION;
import static io.liminal.ltp.core.session.ServerConnectionMachineTest.THREAD;
import static io.liminal.ltp.core.session.ServerConnectionMachineTest.envelope;
import static io.liminal.ltp.core.session.ServerConnectionMachineTest.init;
import static io.liminal.ltp.core.session.ServerConnectionMachineTest.resume;
import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
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
 * Every (state, event) pair of the server connection machine is either a defined transition or a defined error:
 * the table below is the machine's specification, and the test fails for any pair it does not list.
 */
class ServerConnectionMachineTransitionsTest {

    /** How to bring a fresh machine into each state. */
    static final Map<String, Consumer<Fixture>> STATES = new LinkedHashMap<>();
    /** Every event the machine accepts. */
    static final Map<String, BiConsumer<Fixture, RecordingServerActions>> EVENTS = new LinkedHashMap<>();

    static {
        STATES.put("AWAITING", f -> { });
        STATES.put("AWAITING_PENDING", f -> f.machine.onText(init("0.3"), -1, f.out));
        STATES.put("ACTIVE", Fixture::activate);
        STATES.put("ACTIVE_PENDING", f -> {
            f.activate();
            f.machine.onText(resume(THREAD), -1, f.out);
        });
        STATES.put("CLOSING", f -> {
            f.activate();
            f.machine.onGoingAway(f.out);
        });
        STATES.put("CLOSED", f -> {
            f.activate();
            f.machine.onTransportClosed();
        });

        EVENTS.put("init", (f, out) -> f.machine.onText(init("0.3"), -1, out));
        EVENTS.put("resume", (f, out) -> f.machine.onText(resume(THREAD), -1, out));
        EVENTS.put("ping", (f, out) -> f.machine.onText(envelope("ping", "{}"), -1, out));
        EVENTS.put("state_update", (f, out) -> f.machine.onText(envelope("state_update", "{\"kind\":\"k\",\"data\":1}"), -1, out));
        EVENTS.put("event", (f, out) -> f.machine.onText(envelope("event", "{\"event_type\":\"e\",\"data\":1}"), -1, out));
        EVENTS.put("custom_routed", (f, out) -> f.machine.onText(envelope("lri:resonance_pattern", "{}"), -1, out));
        EVENTS.put("custom_unrouted", (f, out) -> f.machine.onText(envelope("custom:x", "{}"), -1, out));
        EVENTS.put("pong", (f, out) -> f.machine.onText(envelope("pong", "{}"), -1, out));
        EVENTS.put("error", (f, out) -> f.machine.onText("{\"type\":\"error\",\"payload\":{}}", -1, out));
        EVENTS.put("garbage", (f, out) -> f.machine.onText("nope", -1, out));
        EVENTS.put("bad_version", (f, out) -> f.machine.onText(init("0.1"), -1, out));
        EVENTS.put("oversized", (f, out) -> f.machine.onOversizedFrame(2_000_000, out));
        EVENTS.put("accepted", (f, out) -> f.machine.onHandshakeResolved(
                io.liminal.ltp.core.session.HandshakeOutcome.Accepted.of(THREAD, SESSION, true), out));
        EVENTS.put("rejected", (f, out) -> f.machine.onHandshakeResolved(
                new HandshakeOutcome.Rejected("thread_not_found", true), out));
        EVENTS.put("refused", (f, out) -> f.machine.onHandshakeResolved(HandshakeOutcome.Refused.of(
                new LtpProtocolException(ErrorCode.INVALID_CLIENT_ID, "no"), CloseCodes.REASON_UNAUTHORIZED), out));
        EVENTS.put("unavailable", (f, out) -> f.machine.onHandshakeResolved(
                new HandshakeOutcome.Unavailable("Internal error"), out));
        EVENTS.put("handshake_timeout", (f, out) -> f.machine.onHandshakeTimeout(out));
        EVENTS.put("idle_timeout", (f, out) -> f.machine.onIdleTimeout(out));
        EVENTS.put("going_away", (f, out) -> f.machine.onGoingAway(out));
        EVENTS.put("superseded", (f, out) -> f.machine.onSuperseded(out));
        EVENTS.put("transport_closed", (f, out) -> f.machine.onTransportClosed());
    }

    /** state | event | resulting state and actions, or the exception the call throws. */
    static final String TABLE = """
            AWAITING | init | AWAITING_HANDSHAKE pending: openThread
            AWAITING | resume | AWAITING_HANDSHAKE pending: resumeThread
            AWAITING | ping | AWAITING_HANDSHAKE: error SESSION_EXPIRED
            AWAITING | state_update | AWAITING_HANDSHAKE: error SESSION_EXPIRED
            AWAITING | event | AWAITING_HANDSHAKE: error SESSION_EXPIRED
            AWAITING | custom_routed | AWAITING_HANDSHAKE: error SESSION_EXPIRED
            AWAITING | custom_unrouted | AWAITING_HANDSHAKE: error UNKNOWN_MESSAGE_TYPE
            AWAITING | pong | AWAITING_HANDSHAKE: error UNKNOWN_MESSAGE_TYPE
            AWAITING | error | AWAITING_HANDSHAKE: -
            AWAITING | garbage | AWAITING_HANDSHAKE: error MALFORMED_MESSAGE
            AWAITING | bad_version | CLOSING: error UNSUPPORTED_VERSION; close 1002
            AWAITING | oversized | AWAITING_HANDSHAKE: error MESSAGE_TOO_LARGE
            AWAITING | accepted | IllegalStateException
            AWAITING | rejected | IllegalStateException
            AWAITING | refused | IllegalStateException
            AWAITING | unavailable | IllegalStateException
            AWAITING | handshake_timeout | CLOSING: close 1000
            AWAITING | idle_timeout | AWAITING_HANDSHAKE: -
            AWAITING | going_away | CLOSING: close 1001
            AWAITING | superseded | AWAITING_HANDSHAKE: -
            AWAITING | transport_closed | CLOSED: -

            AWAITING_PENDING | init | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | resume | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | ping | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | state_update | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | event | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | custom_routed | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | custom_unrouted | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | pong | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | error | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | garbage | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | bad_version | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | oversized | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | accepted | ACTIVE: ack
            AWAITING_PENDING | rejected | IllegalArgumentException
            AWAITING_PENDING | refused | CLOSING: error INVALID_CLIENT_ID; close 1008
            AWAITING_PENDING | unavailable | CLOSING: close 1011
            AWAITING_PENDING | handshake_timeout | CLOSING pending: close 1000
            AWAITING_PENDING | idle_timeout | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | going_away | CLOSING pending: close 1001
            AWAITING_PENDING | superseded | AWAITING_HANDSHAKE pending: -
            AWAITING_PENDING | transport_closed | CLOSED pending: -

            ACTIVE | init | ACTIVE pending: openThread
            ACTIVE | resume | ACTIVE pending: resumeThread
            ACTIVE | ping | ACTIVE: send pong
            ACTIVE | state_update | ACTIVE: deliver state_update
            ACTIVE | event | ACTIVE: deliver event
            ACTIVE | custom_routed | ACTIVE: deliver lri:resonance_pattern
            ACTIVE | custom_unrouted | ACTIVE: error UNKNOWN_MESSAGE_TYPE
            ACTIVE | pong | ACTIVE: error UNKNOWN_MESSAGE_TYPE
            ACTIVE | error | ACTIVE: -
            ACTIVE | garbage | ACTIVE: error MALFORMED_MESSAGE
            ACTIVE | bad_version | CLOSING: error UNSUPPORTED_VERSION; close 1002
            ACTIVE | oversized | ACTIVE: error MESSAGE_TOO_LARGE
            ACTIVE | accepted | IllegalStateException
            ACTIVE | rejected | IllegalStateException
            ACTIVE | refused | IllegalStateException
            ACTIVE | unavailable | IllegalStateException
            ACTIVE | handshake_timeout | ACTIVE: -
            ACTIVE | idle_timeout | CLOSING: close 1000
            ACTIVE | going_away | CLOSING: close 1001
            ACTIVE | superseded | CLOSING: close 1000
            ACTIVE | transport_closed | CLOSED: -

            ACTIVE_PENDING | init | ACTIVE pending: -
            ACTIVE_PENDING | resume | ACTIVE pending: -
            ACTIVE_PENDING | ping | ACTIVE pending: -
            ACTIVE_PENDING | state_update | ACTIVE pending: -
            ACTIVE_PENDING | event | ACTIVE pending: -
            ACTIVE_PENDING | custom_routed | ACTIVE pending: -
            ACTIVE_PENDING | custom_unrouted | ACTIVE pending: -
            ACTIVE_PENDING | pong | ACTIVE pending: -
            ACTIVE_PENDING | error | ACTIVE pending: -
            ACTIVE_PENDING | garbage | ACTIVE pending: -
            ACTIVE_PENDING | bad_version | ACTIVE pending: -
            ACTIVE_PENDING | oversized | ACTIVE pending: -
            ACTIVE_PENDING | accepted | ACTIVE: ack
            ACTIVE_PENDING | rejected | ACTIVE: reject thread_not_found
            ACTIVE_PENDING | refused | CLOSING: error INVALID_CLIENT_ID; close 1008
            ACTIVE_PENDING | unavailable | CLOSING: close 1011
            ACTIVE_PENDING | handshake_timeout | ACTIVE pending: -
            ACTIVE_PENDING | idle_timeout | CLOSING pending: close 1000
            ACTIVE_PENDING | going_away | CLOSING pending: close 1001
            ACTIVE_PENDING | superseded | CLOSING pending: close 1000
            ACTIVE_PENDING | transport_closed | CLOSED pending: -

            CLOSING | init | CLOSING: -
            CLOSING | resume | CLOSING: -
            CLOSING | ping | CLOSING: -
            CLOSING | state_update | CLOSING: -
            CLOSING | event | CLOSING: -
            CLOSING | custom_routed | CLOSING: -
            CLOSING | custom_unrouted | CLOSING: -
            CLOSING | pong | CLOSING: -
            CLOSING | error | CLOSING: -
            CLOSING | garbage | CLOSING: -
            CLOSING | bad_version | CLOSING: -
            CLOSING | oversized | CLOSING: -
            CLOSING | accepted | IllegalStateException
            CLOSING | rejected | IllegalStateException
            CLOSING | refused | IllegalStateException
            CLOSING | unavailable | IllegalStateException
            CLOSING | handshake_timeout | CLOSING: -
            CLOSING | idle_timeout | CLOSING: -
            CLOSING | going_away | CLOSING: -
            CLOSING | superseded | CLOSING: -
            CLOSING | transport_closed | CLOSED: -

            CLOSED | init | CLOSED: -
            CLOSED | resume | CLOSED: -
            CLOSED | ping | CLOSED: -
            CLOSED | state_update | CLOSED: -
            CLOSED | event | CLOSED: -
            CLOSED | custom_routed | CLOSED: -
            CLOSED | custom_unrouted | CLOSED: -
            CLOSED | pong | CLOSED: -
            CLOSED | error | CLOSED: -
            CLOSED | garbage | CLOSED: -
            CLOSED | bad_version | CLOSED: -
            CLOSED | oversized | CLOSED: -
            CLOSED | accepted | IllegalStateException
            CLOSED | rejected | IllegalStateException
            CLOSED | refused | IllegalStateException
            CLOSED | unavailable | IllegalStateException
            CLOSED | handshake_timeout | CLOSED: -
            CLOSED | idle_timeout | CLOSED: -
            CLOSED | going_away | CLOSED: -
            CLOSED | superseded | CLOSED: -
            CLOSED | transport_closed | CLOSED: -
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
        RecordingServerActions out = new RecordingServerActions();
        String outcome;
        try {
            EVENTS.get(event).accept(fixture, out);
            outcome = fixture.machine.state() + (fixture.machine.handshakePending() ? " pending" : "") + ": "
                    + out.summary();
        } catch (IllegalStateException | IllegalArgumentException e) {
            outcome = e.getClass().getSimpleName();
        }
        assertThat(outcome).isEqualTo(expectations().get(state + " | " + event));
    }

    /** A machine and the recorder used to bring it into a state. */
    static final class Fixture {
        final ServerConnectionMachine machine = new ServerConnectionMachine(CONFIG,
                ServerConnectionMachine.RateGate.UNLIMITED);
        final RecordingServerActions out = new RecordingServerActions();

        void activate() {
            machine.onText(init("0.3"), -1, out);
            machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        }
    }
}
