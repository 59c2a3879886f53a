package io.liminal.ltp.core.session;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.LtpMessage;
import java.util.ArrayList;
import java.util.List;

/** Records what a {@link ClientSessionMachine} asks for. */
final class RecordingClientActions implements ClientSessionMachine.Actions {
    final List<String> log = new ArrayList<>();
    final List<LtpMessage> sent = new ArrayList<>();
    final List<String> transitions = new ArrayList<>();
    String persistedThread;
    String persistedSession;
    ClientSessionMachine.Failure failure;
    HandshakeAck ack;

    @Override
    public void stateChanged(ClientSessionMachine.State from, ClientSessionMachine.State to) {
        transitions.add(from + "->" + to);
    }

    @Override
    public void openTransport(long attempt) {
        log.add("open #" + attempt);
    }

    @Override
    public void closeTransport(long attempt, int code, String reason) {
        log.add("closeTransport " + code + " " + reason);
    }

    @Override
    public void send(LtpMessage handshake) {
        sent.add(handshake);
        log.add("send " + handshake.type());
    }

    @Override
    public void persistSession(String threadId, String sessionId) {
        persistedThread = threadId;
        persistedSession = sessionId;
        log.add("persist");
    }

    @Override
    public void clearSession() {
        persistedThread = null;
        persistedSession = null;
        log.add("clear");
    }

    @Override
    public void connected(HandshakeAck ack) {
        this.ack = ack;
        log.add("connected");
    }

    @Override
    public void disconnected(int code, String reason) {
        log.add("disconnected " + code);
    }

    @Override
    public void scheduleReconnect() {
        log.add("scheduleReconnect");
    }

    @Override
    public void deliver(Envelope envelope) {
        log.add("deliver " + envelope.type());
    }

    @Override
    public void serverError(ErrorPayload error) {
        log.add("serverError " + error.code());
    }

    @Override
    public void permanentFailure(ClientSessionMachine.Failure failure) {
        this.failure = failure;
        log.add("failed " + failure.reason());
    }

    String summary() {
        return log.isEmpty() ? "-" : String.join("; ", log);
    }

    void clear() {
        log.clear();
        sent.clear();
        transitions.clear();
    }
}
