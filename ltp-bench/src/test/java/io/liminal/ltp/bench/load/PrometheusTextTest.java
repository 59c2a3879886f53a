package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static final String TEXT = """
            # HELP jvm_memory_used_bytes The amount of used memory
            # TYPE jvm_memory_used_bytes gauge
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2E7
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3000000.0
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
            jvm_memory_used_bytes_extra{area="heap"} 99.0
            ltp_connections_active 19000.0
            """;

    @Test
    void sumsMatchingSamples() {
        PrometheusText metrics = PrometheusText.of(TEXT);
        assertThat(metrics.heapUsedBytes()).isEqualTo(15_000_000.0);
        assertThat(metrics.sum("jvm_memory_used_bytes", "")).isEqualTo(65_000_000.0);
        assertThat(metrics.connections()).isEqualTo(19_000.0);
    }

    @Test
    void missingIsMinusOne() {
        assertThat(PrometheusText.of(null).connections()).isEqualTo(-1);
        assertThat(PrometheusText.of(TEXT).sum("jvm_threads_live_threads", "")).isEqualTo(-1);
    }
}
