package io.liminal.ltp.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.liminal.ltp.testing.FakeClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JwtAuthenticatorTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private final FakeClock clock = new FakeClock();

    private AuthRequest request(String token) {
        return new AuthRequest("c", token, AuthRequest.TokenSource.HANDSHAKE_METADATA, false, null, name -> null);
    }

    private String hs256(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(SECRET));
        return jwt.serialize();
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().subject("alice").issuer("https://id.example")
                .audience("ltp").expirationTime(Date.from(clock.instant().plusSeconds(300)));
    }

    @Test
    @DisplayName("HS256 from configuration text: UTF-8 or base64:, and a bad one is refused without showing it")
    void hs256FromText() throws Exception {
        String token = hs256(claims().build());
        String base64 = "base64:" + java.util.Base64.getEncoder().encodeToString(SECRET);
        for (String secret : new String[] {new String(SECRET, StandardCharsets.UTF_8), base64}) {
            JwtAuthenticator auth = JwtAuthenticator.hs256(secret).clock(clock).build();
            assertThat(auth.authenticate(request(token))).as(secret).isEqualTo(AuthResult.allow("alice"));
        }
        assertThatThrownBy(() -> JwtAuthenticator.hs256("base64:not*base64*secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("invalid base64");
        assertThatThrownBy(() -> JwtAuthenticator.hs256("short-secret-xyz"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("short-secret-xyz");
    }

    @Test
    @DisplayName("HS256: a valid token yields its subject as principal")
    void validHs256() throws Exception {
        JwtAuthenticator auth = JwtAuthenticator.hs256(SECRET).issuer("https://id.example").audience("ltp")
                .clock(clock).build();
        assertThat(auth.authenticate(request(hs256(claims().build())))).isEqualTo(AuthResult.allow("alice"));
        assertThat(auth.isBlocking()).isFalse();
    }

    @Test
    @DisplayName("HS256: expired, not-yet-valid, wrong issuer/audience, bad signature, garbage and missing tokens are denied")
    void deniedHs256() throws Exception {
        JwtAuthenticator auth = JwtAuthenticator.hs256(SECRET).issuer("https://id.example").audience("ltp")
                .clockSkew(Duration.ofSeconds(30)).clock(clock).build();
        String expired = hs256(claims().expirationTime(Date.from(clock.instant().minusSeconds(31))).build());
        String notYet = hs256(claims().notBeforeTime(Date.from(clock.instant().plusSeconds(60))).build());
        String wrongIssuer = hs256(claims().issuer("https://evil").build());
        String wrongAudience = hs256(claims().audience("other").build());
        String noExpiry = hs256(new JWTClaimsSet.Builder().subject("alice").issuer("https://id.example").audience("ltp").build());
        String tampered = hs256(claims().build());
        tampered = tampered.substring(0, tampered.length() - 2) + (tampered.endsWith("A") ? "BB" : "AA");
        for (String token : new String[] {expired, notYet, wrongIssuer, wrongAudience, noExpiry, tampered, "garbage", "", null}) {
            assertThat(auth.authenticate(request(token))).as(String.valueOf(token)).isInstanceOf(AuthResult.Denied.class);
        }
        String withinSkew = hs256(claims().expirationTime(Date.from(clock.instant().minusSeconds(29))).build());
        assertThat(auth.authenticate(request(withinSkew))).isInstanceOf(AuthResult.Allowed.class);
    }

    @Test
    @DisplayName("RS256 tokens verify with the public key; an HS256 token is refused by an RS256 authenticator")
    void rs256AndAlgorithmConfusion() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims().build());
        jwt.sign(new RSASSASigner(keys.getPrivate()));
        JwtAuthenticator auth = JwtAuthenticator.rs256((RSAPublicKey) keys.getPublic()).clock(clock).build();
        assertThat(auth.authenticate(request(jwt.serialize()))).isEqualTo(AuthResult.allow("alice"));
        assertThat(auth.authenticate(request(hs256(claims().build())))).isInstanceOf(AuthResult.Denied.class);
    }

    @Test
    @DisplayName("a short HS256 secret is refused at construction")
    void shortSecret() {
        assertThatThrownBy(() -> JwtAuthenticator.hs256("short".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("256 bits");
    }
}
