package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.Meta;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Encode/decode round trips over generated messages, and decoder robustness over mutated frames. */
class CodecRoundTripProperties {
    private static final Set<String> ENVELOPE_FIELDS = Set.of("type", "thread_id", "session_id", "timestamp",
            "content_encoding", "payload", "meta", "nonce", "signature");
    private final LtpCodec codec = LtpCodec.standard();

    @Property(tries = 300)
    @Label("LTP-ENV-002: any envelope survives encode then decode unchanged, unknown fields included")
    void envelopesRoundTrip(@ForAll("envelopes") Envelope envelope) {
        String text = codec.encode(envelope);
        assertThat(codec.decode(text)).isEqualTo(envelope);
        assertThat(codec.encode(codec.decode(text))).isEqualTo(text);
    }

    @Property(tries = 200)
    @Label("handshake messages survive encode then decode unchanged")
    void handshakesRoundTrip(@ForAll("handshakes") LtpMessage handshake) {
        assertThat(codec.decode(codec.encode(handshake))).isEqualTo(handshake);
    }

    @Property(tries = 200)
    @Label("binary and text frames of the same message decode alike (A-2)")
    void binaryEqualsText(@ForAll("envelopes") Envelope envelope) {
        String text = codec.encode(envelope);
        assertThat(codec.decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(codec.decode(text));
    }

    @Property(tries = 1000)
    @Label("mutated frames either decode or fail with LtpProtocolException, nothing else")
    void mutatedFramesFailCleanly(@ForAll("envelopes") Envelope envelope,
            @ForAll("mutations") List<Tuple.Tuple2<Integer, Character>> mutations) {
        StringBuilder text = new StringBuilder(codec.encode(envelope));
        for (Tuple.Tuple2<Integer, Character> mutation : mutations) {
            int at = Math.floorMod(mutation.get1(), text.length() + 1);
            if (at == text.length() || mutation.get2() == '\u0000') {
                text.insert(Math.min(at, text.length()), mutation.get2());
            } else {
                text.setCharAt(at, mutation.get2());
            }
        }
        try {
            LtpMessage decoded = codec.decode(text.toString());
            assertThat(codec.decode(codec.encode(decoded))).isEqualTo(decoded);
        } catch (LtpProtocolException expected) {
            assertThat(expected.code()).isNotNull();
        }
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<Integer, Character>>> mutations() {
        Arbitrary<Character> characters = Arbitraries.oneOf(
                Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '\\', '0', '-', 'e', 'n', 't', ' ', '\u0000'),
                Arbitraries.chars());
        return Combinators.combine(Arbitraries.integers(), characters).as(Tuple::of).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<Envelope> envelopes() {
        Arbitrary<String> types = Arbitraries.of("ping", "pong", "state_update", "event", "lri:resonance_pattern",
                "custom:analytics_event");
        Arbitrary<String> ids = Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
        Arbitrary<Long> timestamps = Arbitraries.longs().between(0, 99_999_999_999L);
        Arbitrary<ContentEncoding> encodings = Arbitraries.of(ContentEncoding.values()).injectNull(0.5);
        return Combinators.combine(types, ids, ids, timestamps, encodings, objects(4), metas(), extras())
                .as((type, thread, session, timestamp, encoding, payload, meta, extra) -> {
                    JsonObject fullPayload = payload;
                    if (type.equals("state_update")) {
                        fullPayload.addProperty("kind", "k-" + thread.length());
                        if (encoding == ContentEncoding.TOON) {
                            fullPayload.addProperty("data", "rows[1]{a}:\n  " + timestamp);
                        } else if (!fullPayload.has("data")) {
                            fullPayload.add("data", new JsonArray());
                        }
                    } else if (type.equals("event")) {
                        fullPayload.addProperty("event_type", "e" + session.length());
                        if (!fullPayload.has("data")) {
                            fullPayload.add("data", JsonNull.INSTANCE);
                        }
                    }
                    return new Envelope(type, thread, session, timestamp,
                            encoding == null ? null : encoding.wireName(), fullPayload, meta, "n-" + timestamp,
                            encoding == null ? null : "v0-placeholder", extra);
                });
    }

    @Provide
    Arbitrary<LtpMessage> handshakes() {
        Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(30);
        Arbitrary<LtpMessage> inits = Combinators.combine(text, text.injectNull(0.5), text.list().ofMaxSize(3)
                .injectNull(0.3), objects(3).injectNull(0.5), extras())
                .as((client, intent, caps, metadata, extra) -> new HandshakeInit("0.3", client, null, intent, caps,
                        metadata, extra));
        Arbitrary<LtpMessage> resumes = Combinators.combine(text, text, text.injectNull(0.5), extras())
                .as((client, thread, reason, extra) -> new HandshakeResume("0.2", client, thread, reason, null, extra));
        return Arbitraries.oneOf(inits, resumes);
    }

    private Arbitrary<Meta> metas() {
        Arbitrary<Meta> built = Combinators.combine(Arbitraries.strings().ofMaxLength(20),
                        Arbitraries.doubles().between(-5, 5), Arbitraries.doubles().between(-5, 5), objects(2))
                .as((client, valence, arousal, extra) -> {
                    Meta.Builder builder = Meta.builder().clientId(client).affect(valence, arousal)
                            .contextTag("focus_session");
                    extra.entrySet().forEach(e -> builder.put("x_" + e.getKey(), e.getValue()));
                    return builder.build();
                });
        return built.injectNull(0.3);
    }

    private Arbitrary<Map<String, JsonElement>> extras() {
        return Arbitraries.maps(keys().filter(k -> !ENVELOPE_FIELDS.contains(k) && !k.startsWith("handshake")
                                && !Set.of("ltp_version", "client_id", "device_fingerprint", "intent", "capabilities",
                                        "metadata", "resume_reason").contains(k)),
                        values(2))
                .ofMaxSize(3)
                .map(LinkedHashMap::new);
    }

    private Arbitrary<JsonObject> objects(int depth) {
        return Arbitraries.maps(keys(), values(depth - 1)).ofMaxSize(4).map(map -> {
            JsonObject object = new JsonObject();
            map.forEach(object::add);
            return object;
        });
    }

    private Arbitrary<JsonElement> values(int depth) {
        Arbitrary<JsonElement> leaves = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(20).map(JsonPrimitive::new),
                Arbitraries.strings().withChars('\ud800', '\udfff', 'a', '"', '\\', '\n', '\u2028', '\u0001')
                        .ofMaxLength(6).map(JsonPrimitive::new),
                Arbitraries.longs().map(JsonPrimitive::new),
                Arbitraries.doubles().map(JsonPrimitive::new),
                Arbitraries.of(true, false).map(JsonPrimitive::new),
                Arbitraries.just(JsonNull.INSTANCE));
        if (depth <= 0) {
            return leaves;
        }
        Arbitrary<JsonElement> arrays = Arbitraries.lazy(() -> values(depth - 1)).list().ofMaxSize(4).map(list -> {
            JsonArray array = new JsonArray();
            list.forEach(array::add);
            return array;
        });
        Arbitrary<JsonElement> objects = Arbitraries.lazy(() -> objects(depth - 1)).map(o -> o);
        return Arbitraries.frequencyOf(Tuple.of(4, leaves), Tuple.of(1, arrays), Tuple.of(1, objects));
    }

    private static Arbitrary<String> keys() {
        return Arbitraries.oneOf(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
                Arbitraries.strings().all().ofMaxLength(5));
    }
}
