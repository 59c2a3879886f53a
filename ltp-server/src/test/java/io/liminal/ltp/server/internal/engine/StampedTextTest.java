package io.liminal.ltp.server.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.session.ServerConnectionMachine.Stamp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StampedTextTest {
    private static final LtpCodec CODEC = LtpCodec.standard();
    private static final String NONCE = "server-1731600000123-00ff00ff00ff00ff";
    private static final long[] NUMBERS = {0, 9, 10, 99, 100, 1731600000, Long.MAX_VALUE};

    private final Session session = new Session("7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1", "c", null, "0.3");
    private final Session unusual = new Session("thrëad \"1\"", "séssion", "c", null, "0.3");

    private Envelope pong(String nonce) {
        return pong(nonce, 1731600000);
    }

    private Envelope pong(String nonce, long timestamp) {
        return new Envelope("pong", session.threadId(), session.sessionId(), timestamp, null, new JsonObject(),
                Meta.empty(), nonce, null, null);
    }

    /** What the general path sends: the envelope stamped like the machine does, then encoded. */
    private static byte[] encoded(Envelope envelope, Session session, Stamp stamp) {
        return CODEC.encode(envelope.withIds(session.threadId(), session.sessionId())
                .withTimestamp(stamp.timestamp()).withNonce(stamp.nonce())).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a pong renders as exactly the bytes the general encoder writes")
    void pongIdenticalToCodec() {
        StampedText.Heads heads = new StampedText.Heads(session);
        for (long timestamp : NUMBERS) {
            Envelope pong = pong(NONCE, timestamp);
            assertThat(StampedText.pong(heads, pong)).as("at %d", timestamp)
                    .isEqualTo(CODEC.encode(pong).getBytes(StandardCharsets.UTF_8));
        }
        Envelope pong = new Envelope("pong", unusual.threadId(), unusual.sessionId(), 5, null, new JsonObject(),
                Meta.empty(), "n-1", null, null);
        assertThat(new String(StampedText.pong(new StampedText.Heads(unusual), pong), StandardCharsets.UTF_8))
                .isEqualTo(CODEC.encode(pong));
    }

    @Test
    @DisplayName("a pong of any other shape (signature, extras, escaping, other ids) goes through the encoder")
    void pongFallsBackWhenNotPlain() {
        assertThat(rendered(pong("n").withSignature("sig"))).isNull();
        assertThat(rendered(pong("quote\"d"))).isNull();
        assertThat(rendered(pong("back\\slash"))).isNull();
        assertThat(rendered(pong("tab\t"))).isNull();
        assertThat(rendered(pong("del\u007f"))).isNull();
        assertThat(rendered(pong("n").withIds("other", session.sessionId()))).isNull();
        assertThat(rendered(pong("n").withIds(session.threadId(), "other"))).isNull();
        assertThat(rendered(pong("n", -1))).isNull();
        assertThat(rendered(pong("nönce"))).isNull();
        JsonObject payload = new JsonObject();
        payload.addProperty("echo", 1);
        assertThat(rendered(pong("n").toBuilder().payloadOwned(payload).build())).isNull();
        assertThat(rendered(pong("~ok! "))).isNotNull();
    }

    private byte[] rendered(Envelope pong) {
        return StampedText.pong(new StampedText.Heads(session), pong);
    }

    @Test
    @DisplayName("an acknowledgement renders as exactly the bytes the general path sends")
    void ackIdenticalToCodec() {
        for (Session each : List.of(session, unusual)) {
            StampedText.Heads heads = new StampedText.Heads(each);
            for (long through : NUMBERS) {
                for (long timestamp : NUMBERS) {
                    Stamp stamp = new Stamp(timestamp, NONCE);
                    assertThat(StampedText.ack(heads, through, stamp)).as("%d at %d", through, timestamp)
                            .isEqualTo(encoded(DeliveryProtocol.ack(through), each, stamp));
                }
            }
        }
    }

    @Test
    @DisplayName("a logged message renders as exactly the bytes of its template, stamped, with its number")
    void loggedIdenticalToCodec() {
        JsonObject payload = new JsonObject();
        payload.addProperty("name", "héllo \"wörld\" \u2028 😀");
        JsonArray list = new JsonArray();
        list.add(1.5);
        list.add(new JsonPrimitive(true));
        list.add(new JsonObject());
        payload.add("list", list);
        JsonObject meta = new JsonObject();
        meta.addProperty("trace", "t-1");
        List<Envelope> sent = List.of(
                Envelope.builder("event").payload(payload).build(),
                Envelope.builder("state_update").payload(payload).meta(Meta.wrap(meta)).build(),
                Envelope.builder("app:thing \"x\"").payload(new JsonObject()).build(),
                Envelope.builder("event").contentEncoding(ContentEncoding.TOON).payload(toon()).build(),
                Envelope.builder("event").build(),
                // what a handler may hand over: ids, time, a nonce and a number of its own, all replaced
                Envelope.builder("event").threadId("x").sessionId("y").timestamp(7).nonce("theirs")
                        .payload(payload).extraFields(Map.of(DeliveryProtocol.SEQ_FIELD, new JsonPrimitive(3)))
                        .build());
        for (Session each : List.of(session, unusual)) {
            StampedText.Heads heads = new StampedText.Heads(each);
            for (Envelope envelope : sent) {
                Envelope template = DeliveryLog.templateOf(envelope);
                String text = CODEC.encodeChecked(template);
                for (long seq : NUMBERS) {
                    Stamp stamp = new Stamp(1731600000, NONCE);
                    assertThat(new String(StampedText.logged(heads, template, text, seq, stamp),
                            StandardCharsets.UTF_8)).as("%s #%d", text, seq)
                            .isEqualTo(new String(encoded(DeliveryProtocol.withSeq(template, seq), each, stamp),
                                    StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Test
    @DisplayName("a logged message of any other shape, or without a plain stamp, goes through the encoder")
    void loggedFallsBackWhenNotPlain() {
        StampedText.Heads heads = new StampedText.Heads(session);
        Envelope template = DeliveryLog.templateOf(Envelope.builder("event").payload(new JsonObject()).build());
        String text = CODEC.encodeChecked(template);
        Stamp stamp = new Stamp(1, "n");
        assertThat(StampedText.logged(heads, template, text, 1, stamp)).isNotNull();
        assertThat(StampedText.logged(heads, template, text, 1, null)).as("signed session").isNull();
        assertThat(StampedText.logged(heads, template, text, 1, new Stamp(1, "quote\""))).isNull();
        Envelope extra = template.withExtraFields(Map.of("x", new JsonPrimitive(1)));
        assertThat(StampedText.logged(heads, extra, CODEC.encodeChecked(extra), 1, stamp)).isNull();
        assertThat(StampedText.logged(heads, template, "{\"type\":\"event\"}", 1, stamp)).as("other text").isNull();
        assertThat(StampedText.logged(heads, template.withNonce("n"), text, 1, stamp)).isNull();
        assertThat(StampedText.ack(heads, 1, null)).isNull();
        assertThat(StampedText.ack(heads, 1, new Stamp(1, "n\\"))).isNull();
    }

    private static JsonObject toon() {
        JsonObject payload = new JsonObject();
        payload.addProperty("data", "items[2]: a,b");
        return payload;
    }
}
