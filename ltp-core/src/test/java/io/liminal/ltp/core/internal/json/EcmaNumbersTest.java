package io.liminal.ltp.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EcmaNumbersTest {

    @ParameterizedTest
    @CsvSource({"1.0, 1", "-0.0, 0", "1e21, 1e+21", "1e-7, 1e-7", "0.000001, 0.000001", "123456789012345680000, 123456789012345680000",
            "0.1, 0.1", "100, 100", "1.5e300, 1.5e+300", "5e-324, 5e-324", "-2.5, -2.5"})
    @DisplayName("prints doubles as JavaScript's Number::toString does (§11.3 rule 4)")
    void examples(double value, String expected) {
        assertThat(EcmaNumbers.format(value)).isEqualTo(expected);
    }

    @Test
    @DisplayName("matches Node.js on 5,000 doubles (random bit patterns and edge cases; table made by numbers.js)")
    void matchesNode() throws IOException {
        int checked = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                EcmaNumbersTest.class.getResourceAsStream("ecma-numbers.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                int space = line.indexOf(' ');
                double value = Double.longBitsToDouble(Long.parseUnsignedLong(line.substring(0, space), 16));
                assertThat(EcmaNumbers.format(value)).as("bits %s", line.substring(0, space))
                        .isEqualTo(line.substring(space + 1));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(5000);
    }

    @Test
    @DisplayName("NaN and infinities print as null, like JSON.stringify")
    void nonFinite() {
        assertThat(EcmaNumbers.format(Double.NaN)).isEqualTo("null");
        assertThat(EcmaNumbers.format(Double.POSITIVE_INFINITY)).isEqualTo("null");
    }
}
