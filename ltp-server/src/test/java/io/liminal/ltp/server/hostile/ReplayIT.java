package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.core.security.ReplayGuard;
import io.liminal.ltp.server.MessageSecurity;
import io.liminal.ltp.testing.RawWebSocket;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Finding 5: another client's flood of signed pings cannot flush the replay window; a replay inside the window is
 * refused whatever others sent. (The window per client is proven at 200,001 nonces in ReplayGuardTest; here the
 * flood is cut off long before, by the ping and error allowances.)
 */
class ReplayIT extends HostileTest {
    private static final LtpCodec CODEC = LtpCodec.standard();

    private static Envelope signedEnvelope(EnvelopeSigner signer, JsonObject ack, String type, String client) {
        long now = System.currentTimeMillis();
        Envelope.Builder builder = Envelope.builder(type).threadId(ack.get("thread_id").getAsString())
                .sessionId(ack.get("session_id").getAsString()).timestamp(now / 1000)
                .nonce(client + "-" + now + "-" + UUID.randomUUID().toString().replace("-", ""));
        if (type.equals("event")) {
            builder.payload(new EventPayload("e", new JsonPrimitive(1)).toJson());
        }
        return signer.signed(builder.build());
    }

    @Test
    @DisplayName("a signed ping flood from one client is cut off; another client's replay is still refused")
    void floodCannotFlushTheWindow() throws Exception {
        EnvelopeSigner signer = EnvelopeSigner.hmacSha256("shared-test-secret");
        canarySigner = signer;
        start(b -> b.security(MessageSecurity.builder().signatures(clientId -> "shared-test-secret")
                .replayProtection(ReplayGuard.builder().build()).build()));
        try (RawWebSocket victim = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of());
             RawWebSocket flooder = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            victim.sendText(init("victim"));
            JsonObject victimAck = json(victim.readFrame(WAIT).text());
            String event = CODEC.encode(signedEnvelope(signer, victimAck, "event", "victim"));
            victim.sendText(event);

            flooder.sendText(init("flooder"));
            JsonObject flooderAck = json(flooder.readFrame(WAIT).text());
            duringAttack(() -> {
                for (int i = 0; i < 5_000; i++) {
                    try {
                        flooder.sendText(CODEC.encode(signedEnvelope(signer, flooderAck, "ping", "flooder")));
                    } catch (RuntimeException e) {
                        return; // closed: the point
                    }
                }
            });
            assertThat(flooder.readCloseCode(WAIT)).as("cut off by its error allowance").isEqualTo(1008);

            victim.sendText(event);
            assertThat(errorCode(victim.readFrame(WAIT).text())).isEqualTo("INVALID_NONCE");
        }
    }
}
