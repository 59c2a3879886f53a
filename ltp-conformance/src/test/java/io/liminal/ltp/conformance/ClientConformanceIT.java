package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client-role suite against ltp-client: every case passes. */
class ClientConformanceIT {

    @Test
    @DisplayName("ltp-client passes every client-role case, the whole reconnect schedule included")
    void ltpClientConforms(@TempDir Path dir) throws Exception {
        ConformanceReport report = ConformanceSuite.testClient(new LtpClientUnderTest(dir), SuiteOptions.defaults());
        ServerConformanceIT.write(report, "ltp-client");
        assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                assertThat(result.outcome()).as(result.title()).isEqualTo(Outcome.PASS));
    }
}
