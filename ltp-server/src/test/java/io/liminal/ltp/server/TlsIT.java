package io.liminal.ltp.server;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.testing.SelfSignedCertificate;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** wss:// with a self-signed certificate made in the test, from PEM files and from a PKCS#12 store. */
@Timeout(60)
class TlsIT {
    @TempDir
    static Path directory;
    static SelfSignedCertificate certificate;

    @BeforeAll
    static void makeCertificate() throws Exception {
        certificate = new SelfSignedCertificate(directory);
    }

    @Test
    @DisplayName("wss:// from PEM files: handshake and /health over TLS")
    void pem() throws Exception {
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0)
                .tls(TlsConfig.pem(certificate.certificatePem, certificate.privateKeyPem)).build().start()) {
            assertHandshake(server);
            HttpResponse<String> health = HttpClient.newBuilder().sslContext(certificate.clientContext()).build()
                    .send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    @Test
    @DisplayName("wss:// from a PKCS#12 key store")
    void keyStore() throws Exception {
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0)
                .tls(TlsConfig.keyStore(certificate.pkcs12, certificate.password, "PKCS12")).build().start()) {
            assertHandshake(server);
        }
    }

    @Test
    @DisplayName("a plain ws:// client cannot talk to a TLS port; a missing key file is refused at configuration time")
    void misuse() throws Exception {
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0)
                .tls(TlsConfig.pem(certificate.certificatePem, certificate.privateKeyPem)).build().start()) {
            assertThatThrownBy(() -> WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/")))
                    .isInstanceOf(RuntimeException.class);
        }
        assertThatThrownBy(() -> TlsConfig.pem(certificate.certificatePem, directory.resolve("missing.pem")))
                .hasMessageContaining("privateKey");
    }

    private static void assertHandshake(LtpServer server) throws Exception {
        try (WsTestClient client = WsTestClient.connect(URI.create("wss://127.0.0.1:" + server.port() + "/"),
                List.of("ltp.v0.3"), Map.of(), certificate.clientContext())) {
            assertThat(json(client.send(init("tls-client")).next()).get("type").getAsString())
                    .isEqualTo("handshake_ack");
        }
    }
}
