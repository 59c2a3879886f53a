package io.liminal.ltp.core.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    @DisplayName("plain text is kept as it is, without a copy")
    void plainText() {
        String id = "client-42 é 😀";
        assertThat(LogSafe.id(id)).isSameAs(id);
        assertThat(LogSafe.id(null)).isEqualTo("null");
    }

    @Test
    @DisplayName("line breaks, quotes, controls and invisible characters cannot forge a log record")
    void escapes() {
        assertThat(LogSafe.id("a\nINFO forged\r\t\"\\")).isEqualTo("a\\nINFO forged\\r\\t\\\"\\\\");
        assertThat(LogSafe.id("x\u0000\u001b[31m\u2028\u202e\u200b\u0085")).isEqualTo(
                "x\\u0000\\u001b[31m\\u2028\\u202e\\u200b\\u0085");
        assertThat(LogSafe.id("lone\ud800surrogate\udc00")).isEqualTo("lone\\ud800surrogate\\udc00");
        assertThat(LogSafe.id("pair\ud83d\ude00")).isEqualTo("pair\ud83d\ude00");
    }

    @Test
    @DisplayName("long values are cut, say by how much, and never split a surrogate pair")
    void truncates() {
        assertThat(LogSafe.id("y".repeat(65_000))).isEqualTo("y".repeat(64) + "...(64936 more chars)");
        String emoji = "y".repeat(63) + "\ud83d\ude00" + "z";
        assertThat(LogSafe.id(emoji)).isEqualTo("y".repeat(63) + "...(3 more chars)");
        assertThat(LogSafe.text("\n".repeat(1_000))).hasSize(2 * 128 + "...(872 more chars)".length());
    }
}
