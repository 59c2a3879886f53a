package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.security.ReplayGuard;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.MessageSecurity;
import io.liminal.ltp.server.auth.AuthResult;
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
    /** The thread TTL of the server under the proxy, short so that LTP-HB-004 can be checked. */
    static final int THREAD_TTL_MS = 3000;
    /** Its rate limit per thread and minute (ltp-server's default). */
    static final int RATE_LIMIT = 100;
    static final String BROADCAST_PROFILE = "{\"broadcast_trigger\": {\"type\": \"event\", \"payload\": "
            + "{\"event_type\": \"conformance_broadcast\", \"data\": {}}}}";
    /** Dozens of whole runs from one address: more than ltp-server's default 300 handshakes a minute. */
    static final PeerLimits MANY_HANDSHAKES = PeerLimits.builder()
            .handshakesPerAddress(Allowance.of(100_000, Duration.ofMinutes(1))).build();
    static final String SECRET = "faults-secret";
    static final String TOKEN = "faults-token";
    private static LtpServer server;
    private static URI url;
    /** The same server with signatures, replay protection and a token on, for the faults of §11. */
    private static LtpServer secured;
    private static URI securedUrl;

    @BeforeAll
    static void start() {
        server = LtpServer.builder().host("127.0.0.1").port(0).heartbeatInterval(Duration.ofSeconds(1))
                .threadTtl(Duration.ofMillis(THREAD_TTL_MS)).rateLimit(RATE_LIMIT, Duration.ofMinutes(1))
                .peerLimits(MANY_HANDSHAKES).handler(ServerConformanceIT.BROADCASTER).build().start();
        secured = LtpServer.builder().host("127.0.0.1").port(0).peerLimits(MANY_HANDSHAKES)
                .security(MessageSecurity.builder().signatures(clientId -> SECRET)
                        .replayProtection(ReplayGuard.builder().build()).build())
                .authenticator(request -> TOKEN.equals(request.token()) ? AuthResult.allow(request.clientId())
                        : AuthResult.deny("wrong token"))
                .build().start();
        securedUrl = URI.create("ws://127.0.0.1:" + secured.port() + "/");
        url = URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterAll
    static void stop() {
        server.close();
        secured.close();
    }

    @Test
    @DisplayName("through a faithful proxy every case still passes (the faults, not the proxy, fail the cases)")
    void faithfulProxyPasses() throws Exception {
        try (FaultProxy proxy = new FaultProxy(url, new FaultProxy.Fault() { })) {
            String profile = """
                    {"heartbeat_interval_ms": 1000, "idle_close": true, "thread_ttl_ms": %d,
                     "rate_limit": {"messages": %d, "window_ms": 60000}, "identity": "thread",
                     "max_client_id_bytes": 256,
                     "broadcast_trigger": {"type": "event", "payload": {"event_type": "conformance_broadcast", "data": {}}}}
                    """.formatted(THREAD_TTL_MS, RATE_LIMIT);
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(),
                    SuiteOptions.builder().profile(profile).strict(true).build());
            assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                    assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
        }
    }

    @Test
    @DisplayName("against a server that answers nothing after the handshake, the whole run still ends within 60 s")
    void silentServerRunIsBounded() throws Exception {
        FaultProxy.Fault silent = new FaultProxy.Fault() {
            @Override
            public java.util.List<String> toClient(String text, FaultProxy.Link link) {
                return "handshake_ack".equals(Faults.type(text)) ? java.util.List.of(text) : java.util.List.of();
            }
        };
        try (FaultProxy proxy = new FaultProxy(url, silent)) {
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(), SuiteOptions.defaults());
            assertThat(report.results()).as(report.toText()).anyMatch(result -> result.outcome() == Outcome.FAIL);
            assertThat(report.passed()).isFalse();
            // The budget; cases run six at a time, so about 16 s on a quiet machine.
            assertThat(report.duration()).as(report.toText()).isLessThan(Duration.ofSeconds(60));
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
        FaultProxy.Fault twoWrongFields = Faults.toClient(json -> {
            if ("handshake_ack".equals(Faults.type(json))) {
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
        try (FaultProxy proxy = new FaultProxy(fault.secured() ? securedUrl : url, fault.fault())) {
            ConformanceReport report = ConformanceSuite.testServer(proxy.url(), fault.options().build());
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
