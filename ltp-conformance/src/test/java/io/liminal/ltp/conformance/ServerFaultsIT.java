package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.LtpServer;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The suite can fail: each deliberately faulty server (ltp-server behind a proxy that breaks one rule) is caught
 * by the case written for that rule, while the same proxy without a fault passes.
 */
class ServerFaultsIT {
    private static LtpServer server;
    private static URI url;

    @BeforeAll
    static void start() {
        server = LtpServer.builder().host("127.0.0.1").port(0).heartbeatInterval(Duration.ofSeconds(1)).build()
                .start();
        url = URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @DisplayName("through a faithful proxy every case still passes (the faults, not the proxy, fail the cases)")
    void faithfulProxyPasses() throws Exception {
        try (FaultProxy proxy = new FaultProxy(url, new FaultProxy.Fault() { })) {
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(), SuiteOptions.defaults());
            assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                    assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
        }
    }

    @Test
    @DisplayName("a FAIL says what arrived instead of the expected answer, never just 'no message'")
    void failureSaysWhatArrivedInstead() throws Exception {
        try (FaultProxy proxy = new FaultProxy(url, ServerFaults.ACCEPTS_INIT_WITHOUT_CLIENT_ID.fault())) {
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(),
                    SuiteOptions.builder().only("LTP-HS-010").build());
            assertThat(report.results()).as(report.toText()).anySatisfy(result -> {
                assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
                assertThat(result.message()).contains("No MALFORMED_HANDSHAKE error", "an init without client_id",
                        "arrived instead: handshake_ack");
            });
        }
    }

    @Test
    @DisplayName("a case reports every check that failed, not only the first")
    void caseReportsEveryFailedCheck() throws Exception {
        FaultProxy.Fault twoWrongFields = ServerFaults.toClient(json -> {
            if ("handshake_ack".equals(ServerFaults.type(json))) {
                json.addProperty("resumed", true);
                json.addProperty("heartbeat_interval_ms", "soon");
            }
            return json;
        });
        try (FaultProxy proxy = new FaultProxy(url, twoWrongFields)) {
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(),
                    SuiteOptions.builder().only("LTP-HS-003").build());
            assertThat(report.results()).as(report.toText()).anySatisfy(result -> {
                assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
                assertThat(result.message()).contains("heartbeat_interval_ms is not an integer", "resumed is not false");
            });
        }
    }

    @Test
    @DisplayName("--strict: a SHOULD not met fails the run, by default it only warns")
    void strictFailsOnShould() throws Exception {
        try (FaultProxy proxy = new FaultProxy(url, ServerFaults.CLOSES_ON_TOO_LARGE.fault())) {
            String[] only = {"server", proxy.url().toString(), "--only", "LTP-LIM-002"};
            java.io.PrintStream quiet = new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true,
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(ConformanceMain.run(only, quiet, quiet)).as("default: a warning").isZero();

            ConformanceReport strict = ConformanceSuite.testServer(proxy.url(),
                    SuiteOptions.builder().only("LTP-LIM-002").strict(true).build());
            assertThat(strict.results()).as(strict.toText()).anySatisfy(result -> {
                assertThat(result.level()).isEqualTo(Level.SHOULD);
                assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
            });
            assertThat(strict.passed()).isFalse();
            String[] strictArgs = {"server", proxy.url().toString(), "--only", "LTP-LIM-002", "--strict"};
            assertThat(ConformanceMain.run(strictArgs, quiet, quiet)).as("--strict: exit status 1").isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ServerFaults.class)
    @DisplayName("each faulty server is caught by its case")
    void faultIsCaught(ServerFaults fault) throws Exception {
        try (FaultProxy proxy = new FaultProxy(url, fault.fault())) {
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(),
                    SuiteOptions.builder().only(fault.caseId()).build());
            assertThat(report.results()).as(report.toText())
                    .filteredOn(result -> result.name().contains(fault.nameFragment()))
                    .isNotEmpty()
                    .anySatisfy(result -> {
                        assertThat(result.outcome()).isEqualTo(fault.expected());
                        assertThat(result.evidence()).isNotEmpty();
                    });
        }
    }
}
