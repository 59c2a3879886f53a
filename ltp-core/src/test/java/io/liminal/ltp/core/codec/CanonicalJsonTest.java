package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    private static String canonical(String json) {
        return CanonicalJson.write(JsonParser.parseString(json));
    }

    @Test
    @DisplayName("keys sort by UTF-16 code units, canonical array indices first in numeric order")
    void keyOrder() {
        assertThat(canonical("{\"b\":1,\"a\":2,\"10\":3,\"9\":4,\"01\":5,\"\":6,\"B\":7,\"é\":8,\"4294967295\":9,\"4294967294\":0}"))
                .isEqualTo("{\"9\":4,\"10\":3,\"4294967294\":0,\"\":6,\"01\":5,\"4294967295\":9,\"B\":7,\"a\":2,\"b\":1,\"é\":8}");
        // Supplementary characters compare by their surrogate code units, as in JavaScript.
        assertThat(canonical("{\"\uff61\":1,\"\ud83d\ude00\":2}")).isEqualTo("{\"\ud83d\ude00\":2,\"\uff61\":1}");
    }

    @Test
    @DisplayName("nested objects are sorted, arrays keep their order, numbers print as in JavaScript")
    void nested() {
        assertThat(canonical("{\"z\":[{\"b\":1.0,\"a\":[3,1,2]}],\"y\":{\"d\":-0.0,\"c\":1E2}}"))
                .isEqualTo("{\"y\":{\"c\":100,\"d\":0},\"z\":[{\"a\":[3,1,2],\"b\":1}]}");
    }

    @Test
    @DisplayName("strings escape quote, backslash and controls only; HTML and U+2028 stay literal; lone surrogates escape")
    void strings() {
        assertThat(CanonicalJson.write(new com.google.gson.JsonPrimitive("\"\\/<>&'=\u2028\u2029\b\f\n\r\t\u0000\u001f\u007f\ud800")))
                .isEqualTo("\"\\\"\\\\/<>&'=\u2028\u2029\\b\\f\\n\\r\\t\\u0000\\u001f\u007f\\ud800\"");
    }

    @Test
    @DisplayName("array-index keys: only decimal integers 0 .. 2^32-2 without leading zeros")
    void arrayIndexKeys() {
        assertThat(CanonicalJson.arrayIndex("0")).isZero();
        assertThat(CanonicalJson.arrayIndex("4294967294")).isEqualTo(4294967294L);
        assertThat(CanonicalJson.arrayIndex("4294967295")).isEqualTo(-1);
        assertThat(CanonicalJson.arrayIndex("01")).isEqualTo(-1);
        assertThat(CanonicalJson.arrayIndex("-1")).isEqualTo(-1);
        assertThat(CanonicalJson.arrayIndex("1.0")).isEqualTo(-1);
        assertThat(CanonicalJson.arrayIndex("")).isEqualTo(-1);
    }
}
