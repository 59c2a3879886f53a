package io.liminal.ltp.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryProtocolTest {
    private static Envelope withExtras(Map<String, JsonElement> extras) {
        return Envelope.builder("event").build().withExtraFields(extras);
    }

    private static long seqOf(String json) {
        return DeliveryProtocol.seqOf(withExtras(Map.of("seq", JsonParser.parseString(json))));
    }

    @Test
    void seqIsAPositiveIntegerWhateverItsSpelling() {
        assertThat(seqOf("7")).isEqualTo(7);
        assertThat(seqOf("123456789012345678")).isEqualTo(123456789012345678L);
        assertThat(seqOf("1e2")).isEqualTo(100); // integral, though not written as digits
        assertThat(seqOf("0")).isZero();
        assertThat(seqOf("-3")).isZero();
        assertThat(seqOf("1.5")).isZero();
        assertThat(seqOf("\"7\"")).isZero();
        assertThat(DeliveryProtocol.seqOf(withExtras(Map.of()))).isZero();
    }

    @Test
    void withoutSeqKeepsTheOtherUnknownMembers() {
        Map<String, JsonElement> extras = new LinkedHashMap<>();
        extras.put("seq", new JsonPrimitive(3));
        assertThat(DeliveryProtocol.withoutSeq(withExtras(extras)).extraFields()).isEmpty();
        extras.put("x-trace", new JsonPrimitive("t"));
        assertThat(DeliveryProtocol.withoutSeq(withExtras(extras)).extraFields())
                .containsExactly(Map.entry("x-trace", new JsonPrimitive("t")));
        Envelope unnumbered = withExtras(Map.of("x-trace", new JsonPrimitive("t")));
        assertThat(DeliveryProtocol.withoutSeq(unnumbered)).isSameAs(unnumbered);
    }
}
