package io.liminal.ltp.server.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PongTextTest {
    private final Session session = new Session("7c9e6679-7425-40de-944b-e07fc1f90ae7", "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1",
            "c", null, "0.3");

    private Envelope pong(String nonce) {
        return pong(nonce, 1731600000);
    }

    private Envelope pong(String nonce, long timestamp) {
        return new Envelope("pong", session.threadId(), session.sessionId(), timestamp, null, new JsonObject(),
                Meta.empty(), nonce, null, null);
    }

    @Test
    @DisplayName("renders exactly the bytes the general encoder writes")
    void identicalToCodec() {
        byte[] prefix = PongText.prefix(session.threadId(), session.sessionId());
        for (long timestamp : new long[] {1731600000, 0, 9, 10, 99, 100, Long.MAX_VALUE}) {
            Envelope pong = pong("server-1731600000123-00ff00ff00ff00ff", timestamp);
            assertThat(PongText.render(prefix, pong, session)).as("at %d", timestamp)
                    .isEqualTo(LtpCodec.standard().encode(pong).getBytes(StandardCharsets.UTF_8));
        }
        Session unusual = new Session("thrëad \"1\"", "séssion", "c", null, "0.3");
        Envelope pong = new Envelope("pong", unusual.threadId(), unusual.sessionId(), 5, null, new JsonObject(),
                Meta.empty(), "n-1", null, null);
        assertThat(new String(PongText.render(PongText.prefix(unusual.threadId(), unusual.sessionId()), pong, unusual),
                StandardCharsets.UTF_8)).isEqualTo(LtpCodec.standard().encode(pong));
    }

    @Test
    @DisplayName("anything unusual (signature, extras, escaping, other ids) goes through the general encoder")
    void fallsBackWhenNotPlain() {
        assertThat(rendered(pong("n").withSignature("sig"), session)).isNull();
        assertThat(rendered(pong("quote\"d"), session)).isNull();
        assertThat(rendered(pong("back\\slash"), session)).isNull();
        assertThat(rendered(pong("tab\t"), session)).isNull();
        assertThat(rendered(pong("del\u007f"), session)).isNull();
        assertThat(rendered(pong("n").withIds("other", session.sessionId()), session)).isNull();
        assertThat(rendered(pong("n").withIds(session.threadId(), "other"), session)).isNull();
        assertThat(rendered(pong("n"), null)).isNull();
        assertThat(rendered(pong("n", -1), session)).isNull();
        assertThat(rendered(pong("nönce"), session)).isNull();
        JsonObject payload = new JsonObject();
        payload.addProperty("echo", 1);
        assertThat(rendered(pong("n").toBuilder().payloadOwned(payload).build(), session)).isNull();
        assertThat(rendered(pong("~ok! "), session)).isNotNull();
    }

    private static byte[] rendered(Envelope pong, Session session) {
        return PongText.render(PongText.prefix("7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1"), pong, session);
    }
}
