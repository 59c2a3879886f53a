package io.liminal.ltp.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JsonTextTest {

    @Test
    @DisplayName("non-negative integers are written as ASCII digits in exactly their length, like Long.toString")
    void putDecimal() {
        for (long value : new long[] {0, 7, 9, 10, 99, 100, 1_731_600_000L, 1_731_600_000_123L,
                999_999_999_999_999_999L, 1_000_000_000_000_000_000L, Long.MAX_VALUE}) {
            String expected = Long.toString(value);
            assertThat(JsonText.decimalDigits(value)).as("digits of %d", value).isEqualTo(expected.length());
            byte[] out = new byte[expected.length() + 2];
            out[0] = '<';
            out[out.length - 1] = '>';
            JsonText.putDecimal(out, 1, value);
            assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("<" + expected + ">");
        }
    }
}
