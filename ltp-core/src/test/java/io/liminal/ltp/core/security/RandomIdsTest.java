package io.liminal.ltp.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RandomIdsTest {

    @Test
    void idsAreVersion4UuidsInCanonicalForm() {
        for (int i = 0; i < 1_000; i++) {
            String id = RandomIds.uuid();
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            UUID parsed = UUID.fromString(id);
            assertThat(parsed.version()).isEqualTo(4);
            assertThat(parsed.variant()).isEqualTo(2);
        }
    }

    @Test
    void everyRandomBitVaries() {
        long highOr = 0;
        long highAnd = -1;
        long lowOr = 0;
        long lowAnd = -1;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RandomIds.uuid();
            assertThat(seen.add(id)).isTrue();
            UUID uuid = UUID.fromString(id);
            highOr |= uuid.getMostSignificantBits();
            highAnd &= uuid.getMostSignificantBits();
            lowOr |= uuid.getLeastSignificantBits();
            lowAnd &= uuid.getLeastSignificantBits();
        }
        // 122 random bits: each is 1 somewhere and 0 somewhere; only the version and variant bits are fixed.
        assertThat(highOr & ~highAnd).isEqualTo(0xFFFFFFFFFFFF0FFFL);
        assertThat(lowOr & ~lowAnd).isEqualTo(0x3FFFFFFFFFFFFFFFL);
    }
}
