package io.liminal.ltp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencesTest {
    @Test
    void acceptsOneToNInOrder() {
        Sequences.assertOneToN("seen", Sequences.numbers(5), 5);
        assertThat(Sequences.describeDifference(List.of(), 0)).isNull();
    }

    @Test
    void namesDuplicatesMissingAndWhereItDiverged() {
        List<String> seen = new ArrayList<>(List.of("1", "2", "2", "4", "5"));
        assertThatThrownBy(() -> Sequences.assertOneToN("client saw", seen, 5))
                .hasMessageContaining("client saw:")
                .hasMessageContaining("got 5 elements")
                .hasMessageContaining("index 2")
                .hasMessageContaining("duplicates [2x2]")
                .hasMessageContaining("missing [3]");
    }

    @Test
    void rejectsReorderingAndShortOrLongStreams() {
        assertThat(Sequences.describeDifference(List.of("2", "1"), 2)).contains("index 0").contains("missing []");
        assertThat(Sequences.describeDifference(List.of("1"), 2)).contains("index 1").contains("missing [2]");
        assertThat(Sequences.describeDifference(List.of("1", "2", "3"), 2)).contains("index 2");
    }
}
