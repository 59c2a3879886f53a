package io.liminal.ltp.core.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    @DisplayName("ids every store keeps exactly are storable: any letters, symbols, emoji, combining marks")
    void storable() {
        for (String id : new String[] {"client-1", "é", "ß-Ω-中文-한국어", "a\u0301", "😀", "x y", "\u00a0", "\ufeff",
                "\u2028"}) {
            assertThat(Identifiers.isStorable(id)).as(id).isTrue();
            assertThat(Identifiers.utf8Length(id)).as(id).isEqualTo(id.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    @DisplayName("lone surrogates and control characters are not")
    void notStorable() {
        for (String id : new String[] {"sq-x\ud800y", "\udc00", "end\ud83d", "nul\u0000", "tab\t", "del\u007f",
                "c1\u0085"}) {
            assertThat(Identifiers.isStorable(id)).as(id).isFalse();
            assertThat(Identifiers.utf8Length(id)).as("length of " + id)
                    .isEqualTo(id.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
