package io.liminal.ltp.core.session;

import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Records what a {@link ServerConnectionMachine} asks for, as short strings and as objects. */
final class RecordingServerActions implements ServerConnectionMachine.Actions {
    final List<String> log = new ArrayList<>();
    final List<LtpMessage> sent = new ArrayList<>();
    final List<Envelope> delivered = new ArrayList<>();
    final List<LtpMessage> accepted = new ArrayList<>();
    final List<Long> acceptedAt = new ArrayList<>();
    HandshakeInit openRequest;
    HandshakeResume resumeRequest;
    int closeCode;
    String closeReason;

    @Override
    public void send(LtpMessage message) {
        // Every message the machine sends must be valid for the codec (round trip).
        LtpCodec.standard().decode(LtpCodec.standard().encode(message));
        sent.add(message);
        if (message instanceof HandshakeAck) {
            log.add("ack");
        } else if (message instanceof HandshakeReject reject) {
            log.add("reject " + reject.reason());
        } else if (message instanceof Envelope envelope && envelope.type().equals("error")) {
            log.add("error " + ErrorPayload.from(envelope).code());
        } else {
            log.add("send " + message.type());
        }
    }

    @Override
    public void close(int code, String reason) {
        closeCode = code;
        closeReason = reason;
        log.add("close " + code);
    }

    @Override
    public void accepted(LtpMessage message, long nowMillis) {
        accepted.add(message);
        acceptedAt.add(nowMillis);
    }

    @Override
    public void deliver(Envelope envelope) {
        delivered.add(envelope);
        log.add("deliver " + envelope.type());
    }

    @Override
    public void openThread(HandshakeInit init) {
        openRequest = init;
        log.add("openThread");
    }

    @Override
    public void resumeThread(HandshakeResume resume) {
        resumeRequest = resume;
        log.add("resumeThread");
    }

    Envelope lastSentEnvelope() {
        return (Envelope) sent.get(sent.size() - 1);
    }

    ErrorPayload lastError() {
        return ErrorPayload.from(lastSentEnvelope());
    }

    String summary() {
        return log.isEmpty() ? "-" : log.stream().collect(Collectors.joining("; "));
    }

    void clear() {
        log.clear();
        sent.clear();
        delivered.clear();
        accepted.clear();
        acceptedAt.clear();
    }
}
