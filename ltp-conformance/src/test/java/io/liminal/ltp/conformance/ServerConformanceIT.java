package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.security.ReplayGuard;
import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.SessionContext;
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

    /** What ltp-server does by default, with a 1 s heartbeat and the broadcasting handler below. */
    static final String DEFAULT_PROFILE = """
            {
              "heartbeat_interval_ms": 1000,
              "idle_close": true,
              "rate_limit": {"messages": 100, "window_ms": 60000},
              "identity": "thread",
              "max_client_id_bytes": 256,
              "broadcast_trigger": {"type": "event", "payload": {"event_type": "conformance_broadcast", "data": {}}}
            }
            """;

    /** An application that pushes to the whole thread when asked to: the profile's broadcast_trigger. */
    static final LtpHandler BROADCASTER = new LtpHandler() {
        @Override
        public void onEvent(SessionContext session, EventPayload event) {
            if ("conformance_broadcast".equals(event.eventType())) {
                session.pushToThread(Envelope.builder("event")
                        .payload(new EventPayload("broadcast", new JsonObject()).toJson()).build());
            }
        }
    };

    @BeforeAll
    static void start() throws IOException {
        server = LtpServer.builder().host("127.0.0.1").port(0).heartbeatInterval(Duration.ofSeconds(1))
                .handler(BROADCASTER).build().start();
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
        ConformanceReport report = ConformanceSuite.testServer(url,
                SuiteOptions.builder().profile(DEFAULT_PROFILE).strict(true).build());
        write(report, "ltp-server");
        assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
        assertThat(report.results().stream().filter(r -> r.outcome() == Outcome.SKIP).map(CaseResult::title))
                .containsExactlyInAnyOrder("LTP-ENV-004 relays affect and context_tag unchanged",
                        "LTP-HS-004 over a declared per-thread cap, the oldest connection is closed 1000 "
                                + "session_superseded",
                        "LTP-HB-004 keeps a thread that pings resumable past its TTL (30 minutes, or as declared)",
                        "LTP-SEC-003 signs its envelopes with HMAC-SHA256 over the canonical text",
                        "LTP-SEC-004 rejects a wrong signature with INVALID_SIGNATURE and stays open",
                        "LTP-SEC-005 rejects a repeated nonce with INVALID_NONCE",
                        "LTP-SEC-006 rejects old and future timestamps",
                        "LTP-SEC-007 accepts metadata.auth_token on init and resume and never echoes it");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("over the sse-v1 binding (--transport sse) ltp-server passes every case too; only the WebSocket "
            + "subprotocol cases skip besides those above")
    void ltpServerConformsOverSse() throws IOException {
        ConformanceReport report = ConformanceSuite.testServer(url, SuiteOptions.builder().profile(DEFAULT_PROFILE)
                .strict(true).transport(SuiteOptions.Transport.SSE).build());
        write(report, "ltp-server-sse");
        assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
        assertThat(report.results().stream().filter(r -> r.outcome() == Outcome.SKIP).map(CaseResult::title))
                .containsExactlyInAnyOrder("LTP-TR-002 selects ltp.v0.3 when offered with ltp.v0.2",
                        "LTP-TR-002 selects ltp.v0.2 when only it is offered",
                        "LTP-TR-002 selects no other subprotocol; none offered still works",
                        "LTP-ENV-004 relays affect and context_tag unchanged",
                        "LTP-HS-004 over a declared per-thread cap, the oldest connection is closed 1000 "
                                + "session_superseded",
                        "LTP-HB-004 keeps a thread that pings resumable past its TTL (30 minutes, or as declared)",
                        "LTP-SEC-003 signs its envelopes with HMAC-SHA256 over the canonical text",
                        "LTP-SEC-004 rejects a wrong signature with INVALID_SIGNATURE and stays open",
                        "LTP-SEC-005 rejects a repeated nonce with INVALID_NONCE",
                        "LTP-SEC-006 rejects old and future timestamps",
                        "LTP-SEC-007 accepts metadata.auth_token on init and resume and never echoes it");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("ltp-server with every limit low, auth, HMAC and replay protection on passes strictly with a "
            + "matching profile; only the cases that cannot apply skip")
    void restrictedServerConforms() throws IOException {
        String secret = "restricted-secret";
        String token = "restricted-token";
        try (LtpServer restricted = LtpServer.builder().host("127.0.0.1").port(0)
                .heartbeatInterval(Duration.ofSeconds(1))
                .threadTtl(Duration.ofSeconds(3))
                .maxConnectionsPerThread(2)
                .maxConnectionsPerClient(4)
                .rateLimit(40, Duration.ofSeconds(5))
                .peerLimits(PeerLimits.builder().maxClientIdBytes(64)
                        .handshakesPerAddress(Allowance.of(100, Duration.ofSeconds(10))).build())
                .security(MessageSecurity.builder().signatures(clientId -> secret)
                        .replayProtection(ReplayGuard.builder().build()).build())
                .authenticator(request -> token.equals(request.token()) ? AuthResult.allow(request.clientId())
                        : AuthResult.deny("wrong token"))
                .handler(BROADCASTER)
                .build().start()) {
            String profile = """
                    {
                      "heartbeat_interval_ms": 1000,
                      "idle_close": true,
                      "thread_ttl_ms": 3000,
                      "max_connections_per_thread": 2,
                      "max_connections_per_client": 4,
                      "rate_limit": {"messages": 40, "window_ms": 5000},
                      "handshake_limit": {"handshakes": 100, "window_ms": 10000},
                      "identity": "client",
                      "max_client_id_bytes": 64,
                      "broadcast_trigger": {"type": "event", "payload": {"event_type": "conformance_broadcast", "data": {}}},
                      "auth_token": "%s",
                      "signing_secret": "%s",
                      "replay_protection": true
                    }
                    """.formatted(token, secret);
            ConformanceReport report = ConformanceSuite.testServer(
                    URI.create("ws://127.0.0.1:" + restricted.port() + "/"),
                    SuiteOptions.builder().profile(profile).strict(true).build());
            write(report, "ltp-server-restricted");
            assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                    assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
            assertThat(report.results().stream().filter(r -> r.outcome() == Outcome.SKIP).map(CaseResult::id))
                    .containsExactlyInAnyOrder("LTP-ENV-004", "LTP-SEC-002");
            assertThat(report.passed()).isTrue();
        }
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
                    .as("with a secret the suite checks signatures; LTP-SEC-002 is for servers without them; no "
                            + "profile declares a push trigger or a per-thread cap")
                    .containsExactlyInAnyOrder("LTP-SEC-002", "LTP-HS-004", "LTP-HS-004");
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
    @DisplayName("a declared rate limit is respected: the same cases that were inconclusive undeclared all pass")
    void declaredRateLimitIsPaced() {
        try (LtpServer limited = LtpServer.builder().host("127.0.0.1").port(0).rateLimit(5, Duration.ofSeconds(2))
                .build().start()) {
            URI limitedUrl = URI.create("ws://127.0.0.1:" + limited.port() + "/");
            ConformanceReport undeclared = ConformanceSuite.testServer(limitedUrl,
                    SuiteOptions.builder().only("LTP-MSG", "LTP-ERR-005").build());
            assertThat(undeclared.results()).as(undeclared.toText())
                    .anyMatch(result -> result.outcome() == Outcome.INCONCLUSIVE);

            ConformanceReport declared = ConformanceSuite.testServer(limitedUrl, SuiteOptions.builder()
                    .only("LTP-MSG", "LTP-ERR-005")
                    .profile("{\"rate_limit\": {\"messages\": 5, \"window_ms\": 2000}, \"identity\": \"thread\"}")
                    .strict(true).build());
            assertThat(declared.results()).as(declared.toText()).allSatisfy(result ->
                    assertThat(result.outcome()).as(result.title()).isEqualTo(Outcome.PASS));
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
