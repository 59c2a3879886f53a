package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessStatsTest {

    @Test
    void stealIsItsShareOfAllCpuTimeBetweenTwoReadings() {
        assertThat(ProcessStats.stealPercent(new long[] {100, 10_000}, new long[] {150, 12_000})).isEqualTo(2.5);
    }

    @Test
    void stealIsUnknownWithoutTwoReadingsOrWithoutTimePassing() {
        assertThat(ProcessStats.stealPercent(null, new long[] {1, 2})).isEqualTo(-1);
        assertThat(ProcessStats.stealPercent(new long[] {1, 2}, null)).isEqualTo(-1);
        assertThat(ProcessStats.stealPercent(new long[] {1, 2}, new long[] {1, 2})).isEqualTo(-1);
    }

    @Test
    void theHostCountersAreReadFromProcStat() {
        long[] before = ProcessStats.hostCpuTicks();
        assertThat(before).hasSize(2);
        assertThat(before[0]).isBetween(0L, before[1]);
    }
}
