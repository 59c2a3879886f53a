package io.liminal.ltp.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.Limits;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TreeParserTest {
    private static final String PING = "{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":";

    @Test
    @DisplayName("a discarded ping payload reads as the shared empty marker; other members are built")
    void discardsPingPayload() {
        TreeParser.Parsed parsed = TreeParser.parse(PING + "{\"pad\":\"xxxx\",\"n\":[1,{\"a\":null}]},\"meta\":{\"k\":1}}",
                Limits.defaults(), true);
        assertThat(parsed.get("payload")).isSameAs(TreeParser.DISCARDED_PAYLOAD);
        assertThat(parsed.get("meta").getAsJsonObject().get("k").getAsInt()).isEqualTo(1);
        assertThat(parsed.get("thread_id").getAsString()).isEqualTo("t");
    }

    @Test
    @DisplayName("values equal to a likely string come back as that very object; others as equal copies")
    void sharesLikelyStrings() {
        String thread = new String("thread-1");
        String session = new String("session-22");
        TreeParser.Parsed parsed = TreeParser.parse("{\"type\":\"event\",\"thread_id\":\"thread-1\",\"session_id\":"
                + "\"session-22\",\"payload\":{\"a\":\"thread-1\",\"b\":\"thread-2\",\"c\":\"sess\\u0069on-22\","
                + "\"d\":\"thrXad-1\",\"typo\":\"pinG\"}}",
                Limits.defaults(), false, thread, session);
        assertThat(parsed.get("thread_id").getAsString()).isSameAs(thread);
        assertThat(parsed.get("session_id").getAsString()).isSameAs(session);
        assertThat(parsed.get("payload").getAsJsonObject().get("a").getAsString()).isSameAs(thread);
        assertThat(parsed.get("payload").getAsJsonObject().get("b").getAsString()).isEqualTo("thread-2");
        assertThat(parsed.get("payload").getAsJsonObject().get("c").getAsString()).isEqualTo(session);
        // Same length and first character as a likely or known string, different inside.
        assertThat(parsed.get("payload").getAsJsonObject().get("d").getAsString()).isEqualTo("thrXad-1");
        assertThat(parsed.get("payload").getAsJsonObject().keySet()).containsExactly("a", "b", "c", "d", "typo");
        assertThat(parsed.get("payload").getAsJsonObject().get("typo").getAsString()).isEqualTo("pinG");
        assertThat(TreeParser.parse("{\"thread_id\":\"thread-1\"}", Limits.defaults(), false, null, null)
                .get("thread_id").getAsString()).isEqualTo(thread).isNotSameAs(thread);
    }

    @Test
    @DisplayName("discarding still checks syntax, escapes, numbers and payload depth")
    void discardingStillValidates() {
        for (String bad : new String[] {"{\"a\":}", "{\"a\":\"\\q\"}", "{\"a\":01}", "{\"a\":1e999}", "{\"a\" 1}",
                "{\"a\":\"\u0001\"}", "{\"a\":[1,]}", "{\"a\":tru}"}) {
            assertThatThrownBy(() -> TreeParser.parse(PING + bad + "}", Limits.defaults(), true)).as(bad)
                    .isInstanceOfSatisfying(LtpProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
        }
        String deep = "{\"d\":".repeat(11) + "1" + "}".repeat(11);
        assertThat(TreeParser.parse(PING + deep + "}", Limits.defaults(), true).limitViolation())
                .isNotNull().satisfies(e -> assertThat(e.detail("limit").getAsString()).isEqualTo("payload_depth"));
    }

    @Test
    @DisplayName("only pings, only when the type comes first, only when no string could break the limit, only on request")
    void discardOnlyWhenSafe() {
        String event = "{\"type\":\"event\",\"payload\":{\"a\":1}}";
        assertThat(TreeParser.parse(event, Limits.defaults(), true).get("payload")).isNotSameAs(TreeParser.DISCARDED_PAYLOAD);
        String typeLast = "{\"payload\":{\"a\":1},\"type\":\"ping\"}";
        assertThat(TreeParser.parse(typeLast, Limits.defaults(), true).get("payload").getAsJsonObject().get("a").getAsInt())
                .isEqualTo(1);
        String big = PING + "{\"s\":\"" + "x".repeat(70_000) + "\"}}";
        assertThat(TreeParser.parse(big, Limits.defaults(), true).limitViolation()).isNotNull();
        assertThat(TreeParser.parse(PING + "{\"a\":1}}", Limits.defaults(), false).get("payload"))
                .isNotSameAs(TreeParser.DISCARDED_PAYLOAD);
        // Only an object payload: any other is built, so that validation refuses it as usual.
        assertThat(TreeParser.parse(PING + "\"{\"}", Limits.defaults(), true).get("payload").getAsString())
                .isEqualTo("{");
    }

    @Test
    @DisplayName("duplicate top-level members: the last one wins, as in JavaScript")
    void duplicates() {
        TreeParser.Parsed parsed = TreeParser.parse("{\"type\":\"a\",\"type\":\"b\"}", Limits.defaults());
        assertThat(parsed.get("type").getAsString()).isEqualTo("b");
        assertThat(parsed.size()).isEqualTo(2);
        assertThat(parsed.toJsonObject().get("type").getAsString()).isEqualTo("b");
    }

    @Test
    @DisplayName("a pooled parser keeps no state from one message to the next")
    void reuse() {
        assertThatThrownBy(() -> TreeParser.parse("{\"a\":[1,2", Limits.defaults()))
                .isInstanceOf(LtpProtocolException.class);
        TreeParser.Parsed parsed = TreeParser.parse("{\"b\":2}", Limits.defaults());
        assertThat(parsed.names()).containsExactly("b");
        assertThat(parsed.limitViolation()).isNull();
        String deep = "{\"payload\":" + "{\"d\":".repeat(11) + "1" + "}".repeat(11) + "}";
        assertThat(TreeParser.parse(deep, Limits.defaults()).limitViolation()).isNotNull();
        assertThat(TreeParser.parse("{\"payload\":{}}", Limits.defaults()).limitViolation()).isNull();
    }

    @Test
    @DisplayName("strings are scanned by word: quotes, escapes and control characters are found at every offset")
    void scansStringsByWord() {
        for (int before = 0; before <= 17; before++) {
            String head = "x".repeat(before);
            for (int after = 0; after <= 9; after++) {
                String tail = "y".repeat(after);
                String plain = head + tail;
                assertThat(TreeParser.parse("{\"s\":\"" + plain + "\"}", Limits.defaults()).get("s").getAsString())
                        .isEqualTo(plain);
                assertThat(TreeParser.parse("{\"s\":\"" + head + "\\n" + tail + "\"}", Limits.defaults())
                        .get("s").getAsString()).isEqualTo(head + "\n" + tail);
                int offset = 6 + before;
                assertThatThrownBy(() -> TreeParser.parse("{\"s\":\"" + head + "\u0001" + tail + "\"}", Limits.defaults()))
                        .isInstanceOfSatisfying(LtpProtocolException.class, e -> assertThat(e.detail("error").getAsString())
                                .isEqualTo("Unescaped control character in a string at offset " + offset));
                assertThatThrownBy(() -> TreeParser.parse("{\"s\":\"" + plain, Limits.defaults()))
                        .isInstanceOfSatisfying(LtpProtocolException.class, e -> assertThat(e.detail("error").getAsString())
                                .startsWith("Unterminated string"));
            }
        }
    }

    @Test
    @DisplayName("characters above U+00FF whose low byte is a quote, backslash or control character are plain text")
    void lookalikeLowBytes() {
        // U+0122, U+015C, U+0101 and U+2000 share their low byte with '"', '\\', U+0001 and U+0000.
        for (String lookalike : new String[] {"\u0122", "\u015C", "\u0101", "\u2000", "\uD83D\uDE22"}) {
            for (int before = 0; before <= 9; before++) {
                String value = "a".repeat(before) + lookalike + "b" + lookalike;
                TreeParser.Parsed parsed = TreeParser.parse("{\"" + lookalike + "\":\"" + value + "\",\"n\":1}",
                        Limits.defaults());
                assertThat(parsed.get(lookalike).getAsString()).isEqualTo(value);
                assertThat(parsed.get("n").getAsInt()).isEqualTo(1);
                assertThatThrownBy(() -> TreeParser.parse("{\"s\":\"" + value, Limits.defaults()))
                        .isInstanceOf(LtpProtocolException.class);
            }
        }
        // Outside strings a look-alike is still an unexpected character, not the structure its low byte spells.
        assertThatThrownBy(() -> TreeParser.parse("{\"a\":\u017B}", Limits.defaults()))
                .isInstanceOfSatisfying(LtpProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
    }

    @Test
    @DisplayName("a message longer than the pooled scratch array parses, and the next small one still does")
    void largeMessages() {
        String big = "x".repeat(200_000);
        assertThat(TreeParser.parse("{\"s\":\"" + big + "\",\"t\":\"\\u0041\"}", Limits.defaults())
                .get("t").getAsString()).isEqualTo("A");
        assertThat(TreeParser.parse("{\"s\":\"ok\"}", Limits.defaults()).get("s").getAsString()).isEqualTo("ok");
    }

    @Test
    @DisplayName("a string with escapes is decoded run by run: the text between escapes comes out unchanged")
    void escapedRuns() {
        StringBuilder json = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            json.append("row ").append(i).append(" \u0122\u015C x".repeat(i % 3)).append(i % 2 == 0 ? "\\n" : "\\\"")
                    .append(i % 7 == 0 ? "\\u00e9\\/" : "");
        }
        String text = "{\"s\":\"" + json + "\",\"after\":1}";
        assertThat(TreeParser.parse(text, Limits.defaults()).get("s"))
                .isEqualTo(com.google.gson.JsonParser.parseString(text).getAsJsonObject().get("s"));
        assertThatThrownBy(() -> TreeParser.parse("{\"s\":\"a\\nb\u0001\"}", Limits.defaults()))
                .isInstanceOfSatisfying(LtpProtocolException.class, e -> assertThat(e.detail("error").getAsString())
                        .isEqualTo("Unescaped control character in a string at offset 10"));
        assertThatThrownBy(() -> TreeParser.parse("{\"s\":\"a\\nbcdefghijkl", Limits.defaults()))
                .isInstanceOfSatisfying(LtpProtocolException.class, e -> assertThat(e.detail("error").getAsString())
                        .isEqualTo("Unterminated string at offset 20"));
    }
}
