package io.liminal.ltp.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.internal.Streams;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.Limits;
import java.io.IOException;
import java.io.StringReader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Our parser against Gson's own strict reader, the reference it replaced: both accept exactly the same texts and
 * build equal trees.
 */
class TreeParserDifferentialProperties {
    private static final Limits GENEROUS = Limits.builder().maxNestingDepth(200).maxPayloadDepth(200).build();

    @Property(tries = 3000)
    @Label("accepts what Gson's strict reader accepts, rejects what it rejects, and builds the same tree")
    void agreesWithGson(@ForAll("documents") String text) {
        JsonElement expected = gson(text);
        JsonElement actual;
        try {
            actual = TreeParser.parse(text, GENEROUS).toJsonObject();
        } catch (LtpProtocolException e) {
            assertThat(expected).as("Gson accepted %s but we rejected it: %s", text, e.details()).isNull();
            return;
        }
        assertThat(expected).as("we accepted %s, Gson did not", text).isNotNull();
        assertThat(actual).isEqualTo(expected);
    }

    @Property(tries = 3000)
    @Label("a discarded ping payload is accepted and limited exactly as a built one")
    void discardingAgreesWithBuilding(@ForAll("documents") String payload) {
        String ping = "{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":"
                + payload + ",\"meta\":{\"m\":[1]}}";
        TreeParser.Parsed built;
        try {
            built = TreeParser.parse(ping, Limits.defaults(), false);
        } catch (LtpProtocolException e) {
            assertThatThrownBy(() -> TreeParser.parse(ping, Limits.defaults(), true)).as(ping)
                    .isInstanceOfSatisfying(LtpProtocolException.class, d -> {
                        assertThat(d.code()).isEqualTo(e.code());
                        assertThat(d.details()).isEqualTo(e.details());
                    });
            return;
        }
        TreeParser.Parsed discarded = TreeParser.parse(ping, Limits.defaults(), true);
        assertThat(discarded.names()).containsExactly(built.names());
        assertThat(discarded.get("meta")).isEqualTo(built.get("meta"));
        if (built.get("payload").isJsonObject()) {
            assertThat(discarded.get("payload")).isSameAs(TreeParser.DISCARDED_PAYLOAD);
        } else {
            // Only an object is skipped; any other payload is built, for validation to refuse as usual.
            assertThat(discarded.get("payload")).isEqualTo(built.get("payload"));
        }
        assertThat(String.valueOf(discarded.limitViolation())).isEqualTo(String.valueOf(built.limitViolation()));
    }

    /** Gson's strict parse of a single object document, or null when it refuses. */
    private static JsonElement gson(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                return null;
            }
            JsonElement element = Streams.parse(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                return null;
            }
            for (JsonElement number : numbers(element)) {
                if (Double.isInfinite(number.getAsDouble())) {
                    return null; // we refuse numbers that overflow a double; Gson keeps them as text
                }
            }
            return element;
        } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
            return null;
        }
    }

    private static java.util.List<JsonElement> numbers(JsonElement element) {
        java.util.List<JsonElement> found = new java.util.ArrayList<>();
        java.util.ArrayDeque<JsonElement> todo = new java.util.ArrayDeque<>();
        todo.add(element);
        while (!todo.isEmpty()) {
            JsonElement next = todo.poll();
            if (next.isJsonObject()) {
                next.getAsJsonObject().entrySet().forEach(e -> todo.add(e.getValue()));
            } else if (next.isJsonArray()) {
                next.getAsJsonArray().forEach(todo::add);
            } else if (next.isJsonPrimitive() && next.getAsJsonPrimitive().isNumber()) {
                found.add(next);
            }
        }
        return found;
    }

    @Provide
    Arbitrary<String> documents() {
        Arbitrary<String> valid = Arbitraries.of(
                "{}", "{\"a\":1}", "{\"a\":[1,2.5,-0.0,1e3,1E-2,0]}", "{\"a\":{\"b\":null,\"c\":true,\"d\":false}}",
                "{\"s\":\"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}", " { \"a\" : [ ] , \"b\" : { } } ",
                "{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1731600000,\"payload\":{}}",
                "{\"n\":-12345678901234567890.5e-10}", "{\"\":\"\"}", "{\"a\":\"\\u0000\"}",
                "{\"long\":\"abcdefghijklmnopqrstuvwxyz0123456789\",\"k\":[\"0123456789abcdef\",\"\u00e9\u0122\"]}",
                "{\"d\":".repeat(10) + "[[1]]" + "}".repeat(10));
        Arbitrary<Character> noise = Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '\\', '0', '1', '-', '+', '.',
                'e', 'E', 'n', 'u', 'l', 't', 'r', 'f', 'a', 's', ' ', '\n', '\u0001', '\'', '/', '*', 'x',
                // Above U+00FF with the low byte of '"', '\\', U+0001, '{' (the parser scans low bytes first).
                '\u0122', '\u015C', '\u0101', '\u017B', '\u00e9');
        return valid.flatMap(text -> Arbitraries.integers().between(0, 3).flatMap(count -> {
            if (count == 0) {
                return Arbitraries.just(text);
            }
            return Arbitraries.integers().between(0, text.length()).list().ofSize(count).flatMap(positions ->
                    noise.list().ofSize(count).map(chars -> {
                        StringBuilder mutated = new StringBuilder(text);
                        for (int i = 0; i < count; i++) {
                            int at = Math.min(positions.get(i), mutated.length());
                            if (i % 2 == 0 && at < mutated.length()) {
                                mutated.setCharAt(at, chars.get(i));
                            } else {
                                mutated.insert(at, chars.get(i));
                            }
                        }
                        return mutated.toString();
                    }));
        }));
    }
}
