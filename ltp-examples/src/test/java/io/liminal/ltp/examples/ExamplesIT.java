package io.liminal.ltp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.conformance.ConformanceReport;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.core.message.Affect;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every example runs and does what its documentation says. */
class ExamplesIT {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

    private String output() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("minimal server and minimal client: state_update and event arrive, the event is acknowledged")
    void minimalServerAndClient() throws Exception {
        ByteArrayOutputStream serverOutput = new ByteArrayOutputStream();
        try (LtpServer server = MinimalServer.start(0, new PrintStream(serverOutput, true, StandardCharsets.UTF_8))) {
            EventPayload answer = MinimalClient.run(URI.create("ws://127.0.0.1:" + server.port() + "/"), out);
            assertThat(answer).isNotNull();
            assertThat(answer.eventType()).isEqualTo("event_received");
            assertThat(answer.data().getAsJsonObject().get("original_event").getAsString()).isEqualTo("user_action");
            assertThat(output()).contains("opened thread");
            assertThat(serverOutput.toString(StandardCharsets.UTF_8))
                    .contains("state_update minimal: {\"focus_level\":0.8}", "event user_action");
        }
    }

    @Test
    @DisplayName("evening reflection: each LRI message is answered with its affect and context tag carried back")
    void eveningReflection() throws Exception {
        List<EveningReflection.Response> responses = EveningReflection.run(out);
        assertThat(responses).hasSize(3).allSatisfy(response -> {
            assertThat(response.kind()).isEqualTo("lri_response_v1");
            assertThat(response.contextTag()).isEqualTo("evening_reflection");
        });
        assertThat(responses).extracting(EveningReflection.Response::affect)
                .containsExactly(new Affect(0.3, -0.2), new Affect(0.6, -0.4), new Affect(0.6, -0.4));
        assertThat(responses).extracting(EveningReflection.Response::resonance).containsExactly(0.65, 0.8, 0.74);
        assertThat(output()).contains("lri:resonance_pattern");
    }

    @Test
    @DisplayName("TOON affect log: the server decodes exactly the rows the client encoded, in fewer bytes")
    void toonAffectLog() throws Exception {
        JsonArray rows = ToonAffectLog.run(20, out);
        assertThat(rows).hasSize(20);
        assertThat(rows.get(0).getAsJsonObject().get("t").getAsInt()).isEqualTo(1);
        assertThat(rows.get(19).getAsJsonObject().get("valence").getAsDouble())
                .isEqualTo(Math.round(Math.sin(20 / 3.0) * 100) / 100.0);
        String report = output();
        int json = Integer.parseInt(report.replaceAll("(?s).*rows: (\\d+) bytes as JSON.*", "$1"));
        int toon = Integer.parseInt(report.replaceAll("(?s).*JSON, (\\d+) bytes as TOON.*", "$1"));
        assertThat(toon).isLessThan(json * 2 / 3);
    }

    @Test
    @DisplayName("resilient client: messages written while the server restarts are buffered, then delivered in order "
            + "on the resumed thread")
    void resilientClient() throws Exception {
        ResilientClient.Outcome outcome = ResilientClient.run(out);
        assertThat(outcome.resumed()).isTrue();
        assertThat(outcome.threadAfter()).isEqualTo(outcome.threadBefore());
        assertThat(outcome.bufferedWhileDown()).isEqualTo(3);
        assertThat(outcome.delivered()).containsExactly("before the restart",
                "written while the server was down (1)", "written while the server was down (2)",
                "written while the server was down (3)");
    }

    @Test
    @DisplayName("secure client: wss:// with a trust store and a JWT; the ids file lets a new client resume")
    void secureClient(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.liminal.ltp.testing.SelfSignedCertificate certificate = new io.liminal.ltp.testing.SelfSignedCertificate(dir);
        java.nio.file.Path trustStore = dir.resolve("trust.p12");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate.certificate);
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(trustStore)) {
            trust.store(out, "changeit".toCharArray());
        }
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("alice")
                        .expirationTime(java.util.Date.from(java.time.Instant.now().plusSeconds(300))).build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret));
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0)
                .tls(io.liminal.ltp.server.TlsConfig.pem(certificate.certificatePem, certificate.privateKeyPem))
                .authenticator(io.liminal.ltp.server.auth.JwtAuthenticator.hs256(secret).build()).build().start()) {
            URI url = URI.create("wss://127.0.0.1:" + server.port() + "/");
            String thread;
            try (LtpClient first = SecureClient.build(url, trustStore, "changeit".toCharArray(), jwt.serialize(),
                    dir.resolve("ids.json"))) {
                first.connect().get(15, TimeUnit.SECONDS);
                thread = first.threadId();
            }
            try (LtpClient second = SecureClient.build(url, trustStore, "changeit".toCharArray(), jwt.serialize(),
                    dir.resolve("ids.json"))) {
                second.connect().get(15, TimeUnit.SECONDS);
                assertThat(second.threadId()).isEqualTo(thread);
            }
        }
    }

    @Test
    @DisplayName("embedded server: the application's HTTP endpoint pushes to an LTP thread; meters land in its registry")
    void embeddedServer() throws Exception {
        try (EmbeddedServer app = new EmbeddedServer(0, 0)) {
            CompletableFuture<String> notification = new CompletableFuture<>();
            try (LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + app.ltpPort() + "/"))
                    .listener(new LtpClientListener() {
                        @Override
                        public void onEvent(EventPayload event, Envelope envelope) {
                            notification.complete(event.eventType() + ":" + event.data().getAsString());
                        }
                    }).build()) {
                client.connect().get(10, TimeUnit.SECONDS);
                HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + app.httpPort() + "/notify?thread=" + client.threadId()
                                + "&text=hello%20there")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.body()).isEqualTo("{\"connections\":1}");
                assertThat(notification.get(5, TimeUnit.SECONDS)).isEqualTo("notification:hello there");

                HttpResponse<String> missing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + app.httpPort() + "/notify?text=no-thread"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(missing.statusCode()).isEqualTo(400);
                assertThat(missing.body()).contains("POST /notify?thread=<thread_id>&text=<text>");
            }
            assertThat(app.metrics().find("ltp_connections_total").counter()).isNotNull();
            assertThat(app.metrics().find("ltp_connections_total").counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    @DisplayName("conformance example: the suite runs against a URL and reports")
    void conformance() {
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).build().start()) {
            ConformanceReport report = RunConformance.run(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    SuiteOptions.builder().only("LTP-HS", "LTP-MSG-001").build());
            assertThat(report.passed()).isTrue();
            assertThat(report.results()).hasSizeGreaterThan(10);
        }
    }

    @Test
    @DisplayName("the launcher maps each documented name to a main method, and nothing else")
    void launcherNames() throws Exception {
        assertThat(Examples.names()).containsExactly("minimal-server", "minimal-client", "evening-reflection",
                "toon-affect-log", "resilient-client", "secure-client", "embedded-server", "conformance");
        for (String name : Examples.names()) {
            assertThat(Class.forName(Examples.mainClass(name)).getMethod("main", String[].class)).isNotNull();
        }
        assertThat(Examples.mainClass("no-such-example")).isNull();
        assertThat(Examples.usage("embedded-server")).isEqualTo("Usage: bin/ltp-example embedded-server [ltp-port] [http-port]");
    }

    @Test
    @DisplayName("the launcher reports a failed example in one line, not an InvocationTargetException trace")
    void launcherDescribesFailures() {
        assertThat(Examples.describe(new NumberFormatException("For input string: \"abc\"")))
                .isEqualTo("not a number (For input string: \"abc\")");
        assertThat(Examples.describe(new java.util.concurrent.CompletionException(
                new java.net.ConnectException("Connection refused")))).isEqualTo("ConnectException: Connection refused");
        assertThat(Examples.describe(new ArrayIndexOutOfBoundsException(0))).isEqualTo("missing arguments");
    }
}
