package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.initWithToken;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.liminal.ltp.server.auth.JwtAuthenticator;
import io.liminal.ltp.testing.RawWebSocket;
import io.liminal.ltp.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Finding 3: limits are charged only to proven identities; finding 7: identifiers are stored exactly or refused.
 * Real sockets, so every attacker is a connection of its own.
 */
class IdentityIT extends HostileTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    private static String token(String subject) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject(subject)
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new MACSigner(SECRET));
        return jwt.serialize();
    }

    /** Five events then a ping: the answer to the ping is the next thing the victim receives, not an error. */
    private static void assertBudgetIntact(WsTestClient victim, JsonObject ack) {
        for (int i = 0; i < 5; i++) {
            victim.send(event(ack, "e", Integer.toString(i)));
        }
        assertThat(type(victim.send(ping(ack)).next(WAIT))).isEqualTo("pong");
    }

    @Test
    @DisplayName("100 resumes from other connections naming the victim's client_id spend none of its budget")
    void resumesNamingAVictim() throws Exception {
        start(b -> b.rateLimit(5, Duration.ofMinutes(1)));
        try (WsTestClient victim = WsTestClient.connect(uri)) {
            JsonObject ack = json(victim.send(init("victim")).next());
            duringAttack(() -> {
                for (int i = 0; i < 100; i++) {
                    try (RawWebSocket attacker = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
                        attacker.sendText(resume("victim", UUID.randomUUID().toString()));
                        assertThat(json(attacker.readFrame(WAIT).text()).get("reason").getAsString())
                                .isEqualTo("thread_not_found");
                    }
                }
            });
            assertBudgetIntact(victim, ack);
        }
    }

    @Test
    @DisplayName("with JWT on, 50 unauthenticated connections naming the victim's client_id are refused 1008 and "
            + "spend nothing")
    void unauthenticatedNamingAVictim() throws Exception {
        canaryHandshake = initWithToken("canary", token("canary"));
        start(b -> b.rateLimit(5, Duration.ofMinutes(1)).authenticator(JwtAuthenticator.hs256(SECRET).build()));
        String good = token("alice");
        try (WsTestClient victim = WsTestClient.connect(uri)) {
            JsonObject ack = json(victim.send(initWithToken("alice-phone", good)).next());
            duringAttack(() -> {
                for (int i = 0; i < 50; i++) {
                    try (RawWebSocket attacker = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
                        attacker.sendText(initWithToken("alice-phone", "forged"));
                        assertThat(errorCode(attacker.readFrame(WAIT).text())).isEqualTo("INVALID_CLIENT_ID");
                        assertThat(attacker.readCloseCode(WAIT)).isEqualTo(1008);
                    }
                }
            });
            assertBudgetIntact(victim, ack);
        }
    }

    @Test
    @DisplayName("with a per-client cap, another principal naming the victim's client_id uses its own quota")
    void capFollowsThePrincipal() throws Exception {
        canaryHandshake = initWithToken("canary", token("canary"));
        start(b -> b.maxConnectionsPerClient(1).authenticator(JwtAuthenticator.hs256(SECRET).build()));
        String mallory = token("mallory");
        try (WsTestClient attacker = WsTestClient.connect(uri);
             WsTestClient victim = WsTestClient.connect(uri)) {
            assertThat(type(attacker.send(initWithToken("alice-phone", mallory)).next())).isEqualTo("handshake_ack");
            assertThat(type(victim.send(initWithToken("alice-phone", token("alice"))).next()))
                    .isEqualTo("handshake_ack");
        }
        assertCanaryResponsive();
    }

    @Test
    @DisplayName("a client_id with a lone surrogate is refused, so it can never alias another after a restart")
    void loneSurrogate() throws Exception {
        start(b -> { });
        try (RawWebSocket peer = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            peer.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"sq-x\\ud800y\"}");
            JsonObject error = json(peer.readFrame(WAIT).text());
            assertThat(errorCode(error.toString())).isEqualTo("INVALID_CLIENT_ID");
            assertThat(peer.readCloseCode(WAIT)).isEqualTo(1008);
        }
        assertThat(counter("ltp_handshakes_total", "outcome", "refused_client_id")).isEqualTo(1);
    }
}
