package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.security.ReplayGuard;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.MessageSecurity;
import io.liminal.ltp.server.auth.AuthResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** The suite against ltp-server: every case passes, with the optional extensions off and on. */
class ServerConformanceIT {
    static final Path REPORTS = Path.of("target", "conformance");
    private static LtpServer server;
    private static URI url;

    @BeforeAll
    static void start() throws IOException {
        server = LtpServer.builder().host("127.0.0.1").port(0).heartbeatInterval(Duration.ofSeconds(1)).build()
                .start();
        url = URI.create("ws://127.0.0.1:" + server.port() + "/");
        Files.createDirectories(REPORTS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void write(ConformanceReport report, String name) throws IOException {
        Files.createDirectories(REPORTS);
        Files.writeString(REPORTS.resolve(name + ".txt"), report.toText());
        Files.writeString(REPORTS.resolve(name + ".json"), report.toJson());
        Files.writeString(REPORTS.resolve(name + "-junit.xml"), report.toJUnitXml());
    }

    @Test
    @DisplayName("ltp-server passes every case, strictly (SHOULDs included); only the cases needing options or 30 "
            + "minutes skip")
    void ltpServerConforms() throws IOException {
        ConformanceReport report = ConformanceSuite.testServer(url, SuiteOptions.builder().strict(true).build());
        write(report, "ltp-server");
        assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
        assertThat(report.results().stream().filter(r -> r.outcome() == Outcome.SKIP).map(CaseResult::id))
                .containsExactlyInAnyOrder("LTP-ENV-004", "LTP-HB-004", "LTP-SEC-003", "LTP-SEC-004", "LTP-SEC-005",
                        "LTP-SEC-006", "LTP-SEC-007");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("with signatures, replay protection and token auth on, the extension cases run and pass")
    void extensionsOn() throws IOException {
        String secret = "conformance-secret";
        String token = "let-me-in";
        try (LtpServer secured = LtpServer.builder().host("127.0.0.1").port(0)
                .security(MessageSecurity.builder().signatures(clientId -> secret)
                        .replayProtection(ReplayGuard.builder().build()).build())
                .authenticator(request -> token.equals(request.token()) ? AuthResult.allow(request.clientId())
                        : AuthResult.deny("wrong token"))
                .build().start()) {
            SuiteOptions options = SuiteOptions.builder().only("LTP-SEC", "LTP-HS-003", "LTP-HS-004", "LTP-MSG-001",
                    "LTP-ENV-006").signingSecret(secret).replayProtection(true).authToken(token).build();
            ConformanceReport report = ConformanceSuite.testServer(
                    URI.create("ws://127.0.0.1:" + secured.port() + "/"), options);
            write(report, "ltp-server-extensions");
            assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                    assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
            assertThat(report.results().stream().filter(r -> r.outcome() == Outcome.SKIP).map(CaseResult::id))
                    .as("with a secret the suite checks signatures; LTP-SEC-002 is for servers without them")
                    .containsExactly("LTP-SEC-002");
        }
    }

    @TestFactory
    @DisplayName("the JUnit 5 API: one dynamic test per case")
    Stream<DynamicTest> junitApi() {
        return LtpConformance.server(url, SuiteOptions.builder().only("LTP-HS-00", "LTP-MSG").build());
    }

    @Test
    @DisplayName("the command line writes JSON and JUnit XML and exits 0 when every MUST passed, 1 otherwise")
    void commandLine(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("report.json");
        Path junit = dir.resolve("report.xml");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int status = ConformanceMain.run(new String[] {"server", url.toString(), "--only", "LTP-HS-003,LTP-ERR-003",
                "--json", json.toString(), "--junit", junit.toString()}, new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(report.split("LTP-HS-003", -1)).as("stdout names each case once: the report").hasSize(2);
        assertThat(progress.toString(StandardCharsets.UTF_8)).as("progress on stderr")
                .contains("LTP v0.3 conformance: server").containsPattern("PASS\\s+MUST\\s+LTP-HS-003");
        assertThat(Files.readString(json)).contains("\"id\": \"LTP-HS-003\"", "\"conforms\": true");
        assertThat(Files.readString(junit)).contains("<testsuite name=\"ltp-conformance.server\" tests=\"2\"");

        try (FaultProxy faulty = new FaultProxy(url, ServerFaults.DROP_PONGS.fault())) {
            ByteArrayOutputStream failing = new ByteArrayOutputStream();
            int failed = ConformanceMain.run(new String[] {"server", faulty.url().toString(), "--only", "LTP-MSG-001"},
                    new PrintStream(failing, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(failed).isEqualTo(1);
            assertThat(failing.toString(StandardCharsets.UTF_8)).contains("FAIL", "LTP-MSG-001", "of them MUST");
        }
        assertThat(ConformanceMain.run(new String[] {"server"}, System.out, new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isEqualTo(2);
    }

    @Test
    @DisplayName("a rate limit the run was not told about makes a case inconclusive, never failed")
    void undeclaredRateLimitIsInconclusive() {
        try (LtpServer limited = LtpServer.builder().host("127.0.0.1").port(0).rateLimit(5, Duration.ofMinutes(1))
                .build().start()) {
            ConformanceReport report = ConformanceSuite.testServer(
                    URI.create("ws://127.0.0.1:" + limited.port() + "/"), SuiteOptions.builder().only("LTP-MSG").build());
            assertThat(report.results()).as(report.toText())
                    .noneMatch(result -> result.outcome() == Outcome.FAIL)
                    .anySatisfy(result -> {
                        assertThat(result.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
                        assertThat(result.message()).contains("RATE_LIMIT_EXCEEDED");
                    });
            assertThat(report.passed()).isTrue();
            assertThat(report.toJUnitXml()).contains("INCONCLUSIVE: ");
        }
    }

    @Test
    @DisplayName("a server that refuses connections fails cases without stopping the run")
    void unreachableServer() {
        ConformanceReport report = ConformanceSuite.testServer(URI.create("ws://127.0.0.1:1/"),
                SuiteOptions.builder().only("LTP-HS-003", "LTP-MSG-001").build());
        assertThat(report.results()).hasSize(3).allSatisfy(result -> {
            assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(result.message()).contains("WebSocket upgrade");
        });
        assertThat(List.of(report.toText(), report.toJson(), report.toJUnitXml())).allSatisfy(text ->
                assertThat(text).isNotBlank());
    }
}
