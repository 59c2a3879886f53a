package io.liminal.ltp.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DeliveryRetentionTest {
    @Test
    @DisplayName("a step is a sixteenth of each bound, rounded down, and never overflows")
    void steps() {
        DeliveryRetention defaults = DeliveryRetention.DEFAULT;
        assertThat(defaults.trimAboveMessages()).isEqualTo(10_625);
        assertThat(defaults.trimAboveBytes()).isEqualTo(8L * 1024 * 1024 * 17 / 16);
        DeliveryRetention small = new DeliveryRetention(15, 15, Duration.ofMinutes(1));
        assertThat(small.trimAboveMessages()).as("small logs trim exactly").isEqualTo(15);
        assertThat(small.trimAboveBytes()).isEqualTo(15);
        DeliveryRetention huge = new DeliveryRetention(Integer.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1));
        assertThat(huge.trimAboveMessages()).isEqualTo(Integer.MAX_VALUE + (long) (Integer.MAX_VALUE / 16));
        assertThat(huge.trimAboveBytes()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    @DisplayName("bounds must be positive")
    void validates() {
        assertThatThrownBy(() -> new DeliveryRetention(0, 1, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeliveryRetention(1, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
