package io.liminal.ltp.server.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PongTextTest {
    private final Session session = new Session("7c9e6679-7425-40de-944b-e07fc1f90ae7", "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1",
            "c", null, "0.3");

    private Envelope pong(String nonce) {
        return new Envelope("pong", session.threadId(), session.sessionId(), 1731600000, null, new JsonObject(),
                Meta.empty(), nonce, null, null);
    }

    @Test
    @DisplayName("renders exactly what the general encoder writes")
    void identicalToCodec() {
        Envelope pong = pong("server-1731600000123-00ff00ff00ff00ff");
        assertThat(PongText.isPlain(pong, session)).isTrue();
        assertThat(PongText.render(PongText.prefix(session.threadId(), session.sessionId()), pong))
                .isEqualTo(LtpCodec.standard().encode(pong));
    }

    @Test
    @DisplayName("anything unusual (signature, extras, escaping, other ids) goes through the general encoder")
    void fallsBackWhenNotPlain() {
        assertThat(PongText.isPlain(pong("n").withSignature("sig"), session)).isFalse();
        assertThat(PongText.isPlain(pong("quote\"d"), session)).isFalse();
        assertThat(PongText.isPlain(pong("n").withIds("other", session.sessionId()), session)).isFalse();
        assertThat(PongText.isPlain(pong("n"), null)).isFalse();
        JsonObject payload = new JsonObject();
        payload.addProperty("echo", 1);
        assertThat(PongText.isPlain(pong("n").toBuilder().payloadOwned(payload).build(), session)).isFalse();
    }
}
