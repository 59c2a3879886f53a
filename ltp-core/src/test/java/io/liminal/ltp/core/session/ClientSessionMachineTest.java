package io.liminal.ltp.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.session.ClientSessionMachine.FailureReason;
import io.liminal.ltp.core.session.ClientSessionMachine.State;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientSessionMachineTest {
    static final HandshakeInit INIT = HandshakeInit.builder("client-1").intent("resonant_link")
            .capabilities(List.of("state-update", "events", "ping-pong")).build();
    private final RecordingClientActions out = new RecordingClientActions();

    static LtpMessage message(String json) {
        return LtpCodec.standard().decode(json);
    }

    static LtpMessage ack(String thread, String session, boolean resumed, String version) {
        return message("{\"type\":\"handshake_ack\",\"ltp_version\":\"" + version + "\",\"thread_id\":\"" + thread
                + "\",\"session_id\":\"" + session + "\",\"server_capabilities\":[],\"heartbeat_interval_ms\":15000,"
                + "\"resumed\":" + resumed + "}");
    }

    static LtpMessage reject(Boolean suggestNew) {
        return message("{\"type\":\"handshake_reject\",\"ltp_version\":\"0.3\",\"reason\":\"thread_not_found\""
                + (suggestNew == null ? "" : ",\"suggest_new\":" + suggestNew) + "}");
    }

    static LtpMessage error(String code) {
        return message("{\"type\":\"error\",\"timestamp\":1,\"payload\":{\"error_code\":\"" + code
                + "\",\"error_message\":\"m\"}}");
    }

    private ClientSessionMachine connected(String storedThread) {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, storedThread);
        machine.connect(out);
        machine.transportOpened(machine.attempt(), out);
        machine.received(machine.attempt(), ack("t1", "s1", storedThread != null, "0.3"), out);
        out.clear();
        return machine;
    }

    @Test
    @DisplayName("LTP-HS-001: with no stored thread the client opens with handshake_init (0.3, its client id)")
    void initWhenNothingStored() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, null);
        machine.connect(out);
        machine.transportOpened(1, out);
        assertThat(out.summary()).isEqualTo("open #1; send handshake_init");
        HandshakeInit init = (HandshakeInit) out.sent.get(0);
        assertThat(init.ltpVersion()).isEqualTo("0.3");
        assertThat(init.clientId()).isEqualTo("client-1");
        assertThat(machine.state()).isEqualTo(State.HANDSHAKING_INIT);
    }

    @Test
    @DisplayName("LTP-HS-002: with a stored thread the client opens with handshake_resume carrying it and the same client id")
    void resumeWhenStored() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, "t-stored");
        machine.connect(out);
        machine.transportOpened(1, out);
        HandshakeResume resume = (HandshakeResume) out.sent.get(0);
        assertThat(resume.threadId()).isEqualTo("t-stored");
        assertThat(resume.clientId()).isEqualTo("client-1");
        assertThat(resume.resumeReason()).isEqualTo("app_reconnect");
        assertThat(machine.state()).isEqualTo(State.HANDSHAKING_RESUME);
    }

    @Test
    @DisplayName("LTP-HS-013: thread and session ids are persisted from every ack, resumed ones included")
    void persistsEveryAck() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, null);
        machine.connect(out);
        machine.transportOpened(1, out);
        machine.received(1, ack("t1", "s1", false, "0.3"), out);
        assertThat(out.persistedThread).isEqualTo("t1");
        assertThat(out.persistedSession).isEqualTo("s1");
        machine.transportClosed(1, 1006, "", out);
        machine.reconnectDue(out);
        machine.transportOpened(2, out);
        assertThat(((HandshakeResume) out.sent.get(1)).resumeReason()).isEqualTo("automatic_reconnect");
        machine.received(2, ack("t1", "s2", true, "0.3"), out);
        assertThat(out.persistedSession).isEqualTo("s2");
        assertThat(machine.sessionId()).isEqualTo("s2");
    }

    @Test
    @DisplayName("LTP-HS-014: a rejected resume clears the ids and sends handshake_init on the same connection")
    void rejectThenInit() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, "gone");
        machine.connect(out);
        machine.transportOpened(1, out);
        machine.received(1, reject(true), out);
        assertThat(out.summary()).isEqualTo("open #1; send handshake_resume; clear; send handshake_init");
        assertThat(machine.threadId()).isNull();
        out.clear();
        machine.received(1, reject(null), out);
        assertThat(machine.state()).isEqualTo(State.FAILED); // a reject of an init is not expected
    }

    @Test
    @DisplayName("LTP-HS-014 / A-9: an absent suggest_new means init; suggest_new:false is a permanent failure with close 1000")
    void suggestNew() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, "gone");
        machine.connect(out);
        machine.transportOpened(1, out);
        machine.received(1, reject(null), out);
        assertThat(machine.state()).isEqualTo(State.HANDSHAKING_INIT);

        RecordingClientActions second = new RecordingClientActions();
        ClientSessionMachine refused = new ClientSessionMachine(INIT, "gone");
        refused.connect(second);
        refused.transportOpened(1, second);
        refused.received(1, reject(false), second);
        assertThat(second.summary()).endsWith("clear; closeTransport 1000 resume_rejected; failed RESUME_REJECTED");
        assertThat(refused.state()).isEqualTo(State.FAILED);
    }

    @Test
    @DisplayName("LTP-HS-016: an ack with 0.2 is accepted whatever was requested")
    void acceptsEitherVersion() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, null);
        machine.connect(out);
        machine.transportOpened(1, out);
        machine.received(1, ack("t", "s", false, "0.2"), out);
        assertThat(machine.state()).isEqualTo(State.CONNECTED);
    }

    @Test
    @DisplayName("§3.7: UNSUPPORTED_VERSION, INVALID_CLIENT_ID and MALFORMED_HANDSHAKE before the ack are permanent; nothing reconnects")
    void permanentHandshakeErrors() {
        for (String code : new String[] {"UNSUPPORTED_VERSION", "INVALID_CLIENT_ID", "MALFORMED_HANDSHAKE"}) {
            RecordingClientActions actions = new RecordingClientActions();
            ClientSessionMachine machine = new ClientSessionMachine(INIT, null);
            machine.connect(actions);
            machine.transportOpened(1, actions);
            machine.received(1, error(code), actions);
            assertThat(machine.state()).isEqualTo(State.FAILED);
            assertThat(actions.failure.reason()).isEqualTo(FailureReason.HANDSHAKE_REFUSED);
            assertThat(actions.failure.error().code()).isEqualTo(code);
            machine.transportClosed(1, 1002, "", actions);
            assertThat(actions.log).doesNotContain("scheduleReconnect");
        }
    }

    @Test
    @DisplayName("LTP-RC-002: a lost connection reconnects; an own close or a permanent failure never does")
    void reconnectRules() {
        ClientSessionMachine machine = connected(null);
        machine.transportClosed(1, 1006, "", out);
        assertThat(out.summary()).isEqualTo("disconnected 1006; scheduleReconnect");
        machine.reconnectDue(out);
        assertThat(machine.state()).isEqualTo(State.CONNECTING);

        RecordingClientActions own = new RecordingClientActions();
        ClientSessionMachine closed = connected(null);
        closed.close(own);
        closed.transportClosed(1, 1000, "client_closed", own);
        closed.reconnectDue(own);
        assertThat(own.summary()).isEqualTo("closeTransport 1000 client_closed; disconnected 1000");
        assertThat(closed.state()).isEqualTo(State.CLOSED);
        assertThatThrownBy(() -> closed.connect(own)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("LTP-HB-002: a heartbeat timeout closes 1000 heartbeat_timeout and reconnects; the late close is ignored")
    void heartbeatTimeout() {
        ClientSessionMachine machine = connected("t1");
        machine.heartbeatTimeout(out);
        assertThat(out.summary()).isEqualTo("closeTransport 1000 heartbeat_timeout; disconnected 1000; scheduleReconnect");
        machine.transportClosed(1, 1000, "heartbeat_timeout", out);
        assertThat(out.log).hasSize(3);
        machine.reconnectDue(out);
        machine.transportOpened(2, out);
        assertThat(out.sent.get(0)).isInstanceOf(HandshakeResume.class);
    }

    @Test
    @DisplayName("§6: after 1001 going away the client reconnects at once, then backs off if that attempt fails too")
    void goingAway() {
        ClientSessionMachine machine = connected("t1");
        machine.transportClosed(1, 1001, "going away", out);
        assertThat(out.summary()).isEqualTo("disconnected 1001; open #2");
        machine.transportClosed(2, 1001, "going away", out);
        assertThat(out.summary()).isEqualTo("disconnected 1001; open #2; scheduleReconnect");
        machine.reconnectDue(out);
        machine.transportOpened(3, out);
        machine.received(3, ack("t1", "s3", true, "0.3"), out);
        out.clear();
        machine.transportClosed(3, 1001, "going away", out);
        assertThat(out.summary()).isEqualTo("disconnected 1001; open #4");
    }

    @Test
    @DisplayName("A-8: after 1000 session_superseded the client reports it and does not reconnect")
    void superseded() {
        ClientSessionMachine machine = connected("t1");
        machine.transportClosed(1, 1000, "session_superseded", out);
        assertThat(out.summary()).isEqualTo("disconnected 1000; failed SESSION_SUPERSEDED");
        assertThat(machine.state()).isEqualTo(State.FAILED);
    }

    @Test
    @DisplayName("§6: SESSION_EXPIRED on a connected session is answered with handshake_resume")
    void sessionExpired() {
        ClientSessionMachine machine = connected("t1");
        machine.received(1, error("SESSION_EXPIRED"), out);
        assertThat(out.summary()).isEqualTo("serverError SESSION_EXPIRED; send handshake_resume");
        assertThat(machine.state()).isEqualTo(State.HANDSHAKING_RESUME);
    }

    @Test
    @DisplayName("LTP-ERR-002 / LTP-ENV-009: errors and unknown types never disconnect a connected client")
    void errorsDoNotDisconnect() {
        ClientSessionMachine machine = connected("t1");
        machine.received(1, error("RATE_LIMIT_EXCEEDED"), out);
        machine.received(1, message("{\"type\":\"error\",\"error_code\":\"X\"}"), out);
        machine.received(1, message("{\"type\":\"vendor:thing\",\"thread_id\":\"t1\",\"session_id\":\"s1\",\"timestamp\":1,\"payload\":{}}"), out);
        assertThat(out.summary()).isEqualTo("serverError RATE_LIMIT_EXCEEDED; serverError X; deliver vendor:thing");
        assertThat(machine.state()).isEqualTo(State.CONNECTED);
    }

    @Test
    @DisplayName("events of an abandoned attempt are ignored")
    void staleAttempts() {
        ClientSessionMachine machine = new ClientSessionMachine(INIT, null);
        machine.connect(out);
        machine.transportFailed(1, out);
        machine.reconnectDue(out);
        machine.transportOpened(1, out);
        machine.received(1, ack("t", "s", false, "0.3"), out);
        machine.transportClosed(1, 1006, "", out);
        assertThat(machine.state()).isEqualTo(State.CONNECTING);
        assertThat(out.summary()).isEqualTo("open #1; scheduleReconnect; open #2");
    }

    @Test
    @DisplayName("state changes are reported in order")
    void stateChanges() {
        connected(null);
        ClientSessionMachine machine = new ClientSessionMachine(INIT, null);
        RecordingClientActions actions = new RecordingClientActions();
        machine.connect(actions);
        machine.transportOpened(1, actions);
        machine.received(1, ack("t", "s", false, "0.3"), actions);
        machine.close(actions);
        assertThat(actions.transitions).containsExactly("DISCONNECTED->CONNECTING", "CONNECTING->HANDSHAKING_INIT",
                "HANDSHAKING_INIT->CONNECTED", "CONNECTED->CLOSED");
        assertThat(actions.ack).isInstanceOf(HandshakeAck.class);
    }
}
