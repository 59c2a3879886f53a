package io.liminal.ltp.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Accepts handshakes that carry a valid JWT (HS256 with a shared secret, or RS256 with a public key), built on
 * Nimbus JOSE+JWT. Only the configured algorithm is accepted, so a token cannot pick a weaker one.
 *
 * <p>Checked: signature, {@code exp} (required by default) and {@code nbf} with a clock skew, and when configured
 * {@code iss} and {@code aud}. The principal is the {@code sub} claim (or another configured claim).
 *
 * <pre>{@code
 * Authenticator auth = JwtAuthenticator.hs256(secret).issuer("https://id.example.com").build();
 * }</pre>
 */
public final class JwtAuthenticator implements Authenticator {
    private final JWSAlgorithm algorithm;
    private final JWSVerifier verifier;
    private final String issuer;
    private final String audience;
    private final String principalClaim;
    private final String clientIdClaim;
    private final boolean requireExpiration;
    private final Duration clockSkew;
    private final Clock clock;

    private JwtAuthenticator(Builder builder) {
        this.algorithm = builder.algorithm;
        this.verifier = builder.verifier;
        this.issuer = builder.issuer;
        this.audience = builder.audience;
        this.principalClaim = builder.principalClaim;
        this.clientIdClaim = builder.clientIdClaim;
        this.requireExpiration = builder.requireExpiration;
        this.clockSkew = builder.clockSkew;
        this.clock = builder.clock;
    }

    /**
     * HS256 tokens signed with {@code secret}.
     *
     * @throws IllegalArgumentException when the secret is shorter than 256 bits
     */
    public static Builder hs256(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        try {
            return new Builder(JWSAlgorithm.HS256, new MACVerifier(secret));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("HS256 secret must be at least 256 bits (32 bytes): " + e.getMessage(), e);
        }
    }

    /**
     * HS256 tokens signed with a secret given as text, as configuration holds it: its UTF-8 bytes, or, after a
     * {@code base64:} prefix, the decoded bytes.
     *
     * @throws IllegalArgumentException when the Base64 is invalid or the secret is shorter than 256 bits (the
     *     message never contains the secret)
     */
    public static Builder hs256(String secret) {
        Objects.requireNonNull(secret, "secret");
        byte[] bytes;
        if (secret.startsWith("base64:")) {
            try {
                bytes = Base64.getDecoder().decode(secret.substring(7));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid base64");
            }
        } else {
            bytes = secret.getBytes(StandardCharsets.UTF_8);
        }
        return hs256(bytes);
    }

    /** RS256 tokens verified with {@code publicKey}. */
    public static Builder rs256(RSAPublicKey publicKey) {
        return new Builder(JWSAlgorithm.RS256, new RSASSAVerifier(Objects.requireNonNull(publicKey, "publicKey")));
    }

    /**
     * RS256 tokens verified with the RSA public key in {@code pem} (a {@code -----BEGIN PUBLIC KEY-----} block).
     *
     * @throws IllegalArgumentException when {@code pem} holds no RSA public key
     */
    public static Builder rs256Pem(String pem) {
        Objects.requireNonNull(pem, "pem");
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return rs256((RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64))));
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("not a PEM RSA public key (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public AuthResult authenticate(AuthRequest request) {
        if (request.token() == null || request.token().isEmpty()) {
            return AuthResult.deny("no token");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(request.token());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return AuthResult.deny("token is not a signed JWT");
        }
        if (!algorithm.equals(jwt.getHeader().getAlgorithm())) {
            return AuthResult.deny("token algorithm " + jwt.getHeader().getAlgorithm() + " is not " + algorithm);
        }
        try {
            if (!jwt.verify(verifier)) {
                return AuthResult.deny("bad signature");
            }
        } catch (JOSEException e) {
            return AuthResult.deny("signature cannot be verified: " + e.getMessage());
        }
        Instant now = clock.instant();
        Date expiration = claims.getExpirationTime();
        if (expiration == null ? requireExpiration : now.isAfter(expiration.toInstant().plus(clockSkew))) {
            return AuthResult.deny(expiration == null ? "token has no exp" : "token expired");
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.isBefore(notBefore.toInstant().minus(clockSkew))) {
            return AuthResult.deny("token not valid yet");
        }
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            return AuthResult.deny("wrong issuer");
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            return AuthResult.deny("wrong audience");
        }
        Object principal = claims.getClaim(principalClaim);
        if (!(principal instanceof String name) || name.isEmpty()) {
            return AuthResult.deny("token has no " + principalClaim + " claim");
        }
        Object bound = claims.getClaim(clientIdClaim);
        if (bound == null) {
            return AuthResult.allow(name);
        }
        Set<String> clientIds = new HashSet<>();
        if (bound instanceof String one) {
            clientIds.add(one);
        } else if (bound instanceof List<?> many) {
            for (Object id : many) {
                if (!(id instanceof String text)) {
                    return AuthResult.deny("the " + clientIdClaim + " claim holds a non-string");
                }
                clientIds.add(text);
            }
        } else {
            return AuthResult.deny("the " + clientIdClaim + " claim is neither a string nor a list");
        }
        if (clientIds.isEmpty()) {
            return AuthResult.deny("the " + clientIdClaim + " claim is empty");
        }
        return AuthResult.allow(name, clientIds);
    }

    @Override
    public boolean isBlocking() {
        return false;
    }

    /** Builds a {@link JwtAuthenticator}. */
    public static final class Builder {
        private final JWSAlgorithm algorithm;
        private final JWSVerifier verifier;
        private String issuer;
        private String audience;
        private String principalClaim = "sub";
        private String clientIdClaim = "client_id";
        private boolean requireExpiration = true;
        private Duration clockSkew = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(JWSAlgorithm algorithm, JWSVerifier verifier) {
            this.algorithm = algorithm;
            this.verifier = verifier;
        }

        /** Requires {@code iss} to equal {@code issuer}. */
        public Builder issuer(String issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /** Requires {@code aud} to contain {@code audience}. */
        public Builder audience(String audience) {
            this.audience = Objects.requireNonNull(audience, "audience");
            return this;
        }

        /** The claim naming the principal (default {@code sub}). */
        public Builder principalClaim(String claim) {
            this.principalClaim = Objects.requireNonNull(claim, "claim");
            return this;
        }

        /**
         * The claim that binds a token to client ids (default {@code client_id}): a string or a list of strings.
         * When a token has it, only those {@code client_id}s may handshake with it.
         */
        public Builder clientIdClaim(String claim) {
            this.clientIdClaim = Objects.requireNonNull(claim, "claim");
            return this;
        }

        /** Whether tokens without {@code exp} are refused (default true). */
        public Builder requireExpiration(boolean require) {
            this.requireExpiration = require;
            return this;
        }

        /** Tolerance for {@code exp} and {@code nbf} (default 30 s). */
        public Builder clockSkew(Duration skew) {
            if (skew.isNegative()) {
                throw new IllegalArgumentException("clockSkew must not be negative: " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /** The clock (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The authenticator. */
        public JwtAuthenticator build() {
            return new JwtAuthenticator(this);
        }
    }
}
