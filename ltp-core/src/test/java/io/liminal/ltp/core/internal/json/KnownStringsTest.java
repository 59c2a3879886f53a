package io.liminal.ltp.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KnownStringsTest {

    @Test
    void findsProtocolNamesInsideText() {
        String text = "{\"type\":\"ping\",\"thread_id\":\"x\"}";
        assertThat(KnownStrings.find(text, 2, 4)).isSameAs("type");
        assertThat(KnownStrings.find(text, 9, 4)).isSameAs("ping");
        assertThat(KnownStrings.find(text, 16, 9)).isSameAs("thread_id");
        // Names sharing length and first character are told apart by the full comparison.
        assertThat(KnownStrings.find("pong", 0, 4)).isSameAs("pong");
        assertThat(KnownStrings.find("toon", 0, 4)).isSameAs("toon");
        assertThat(KnownStrings.find("pang", 0, 4)).isNull();
    }

    @Test
    void returnsNullForAnythingElse() {
        assertThat(KnownStrings.find("typo", 0, 4)).isNull();
        assertThat(KnownStrings.find("types", 0, 5)).isNull();
        assertThat(KnownStrings.find("x".repeat(100), 0, 100)).isNull();
        assertThat(KnownStrings.find("", 0, 0)).isNull();
    }

    @Test
    void theParserHandsOutTheSharedConstants() {
        TreeParser.Parsed parsed = TreeParser.parse("{\"type\":\"pong\",\"custom\":\"pong\"}",
                io.liminal.ltp.core.codec.Limits.defaults(), false);
        assertThat(parsed.names()[0]).isSameAs("type");
        assertThat(parsed.get("type").getAsString()).isSameAs("pong");
        assertThat(parsed.names()[1]).isEqualTo("custom");
    }
}
