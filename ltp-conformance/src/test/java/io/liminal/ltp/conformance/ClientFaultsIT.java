package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The client-role suite can fail: each deliberately faulty client is caught by the case for its rule. */
class ClientFaultsIT {

    @Test
    @DisplayName("ltp-client behind a faithful proxy passes the cases the faults target")
    void faithfulProxyPasses(@TempDir Path dir) {
        ClientUnderTest client = new ProxiedClient(new LtpClientUnderTest(dir,
                builder -> builder.clientId("proxied-client")), new FaultProxy.Fault() { });
        ConformanceReport report = ConformanceSuite.testClient(client, SuiteOptions.builder()
                .only("LTP-TR", "LTP-HS-001", "LTP-HS-002", "LTP-HS-014", "LTP-HS-015", "LTP-HS-016", "LTP-ENV",
                        "LTP-ERR-002", "LTP-ERR-004", "LTP-HB-001", "LTP-ENC-001", "LTP-LIM-001", "LTP-SEC")
                .build());
        assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                assertThat(result.outcome()).as(result.title()).isEqualTo(Outcome.PASS));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClientFaults.class)
    @DisplayName("each faulty client is caught by its case")
    void faultIsCaught(ClientFaults fault, @TempDir Path dir) {
        ConformanceReport report = ConformanceSuite.testClient(fault.client(dir), SuiteOptions.builder()
                .only(fault.caseId()).fullReconnectSchedule(false).build());
        assertThat(report.results()).as(report.toText())
                .filteredOn(result -> result.name().contains(fault.nameFragment()))
                .isNotEmpty()
                .anySatisfy(result -> assertThat(result.outcome()).isEqualTo(Outcome.FAIL));
    }
}
