package io.liminal.ltp.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Vectors v1 and v2 are the spec's (§11.3). v3 and v4 were computed outside this SDK (see
 * {@code src/test/resources/io/liminal/ltp/core/security/vectors/README.md}): canonical text with
 * {@code node canon.js vN.json}, signatures with {@code openssl dgst -sha256 -hmac <secret> < vN.canon}.
 */
class EnvelopeSignerTest {
    private static final String OTHER_SECRET = "another secret, ünïcode";

    private static String resource(String name) throws IOException {
        try (InputStream in = EnvelopeSignerTest.class.getResourceAsStream("vectors/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Envelope vector(String name) throws IOException {
        return (Envelope) LtpCodec.standard().decode(resource(name + ".json"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "v1, b96047d33773898aa26a68549970b01b993b086ae76d9899819dfc62809a4232, 6f52cc0ffdbe482517921e545434a7bfa0b7746e9e37406c6cc8fb362558ab93",
        "v2, 14ca7272f9e4887df00a4d9ed47a3a6949b55d8b6e6c1f8ad2b97a027a8e2dc0, 79163ca8aae8055294cc4677135a83f5fdbece0f9e5ad4f3b0a2c05fe4facfcc",
        "v3, 53d006d6d099b483c07d319d69e8d083b71e0bd57d324aa20736013d8ea5dec8, 5d3cf69c384312250890d165fa56af961038a9670bf928ec9f0a5cb40cf76d39",
        "v4, 74bebb24d328c5d957df7fdac6fc982d0f2b8b732a92cd202e1f55b02e3813c5, 8e6b3c7553957fbff4990e03818e6804e753099839ee8b259569b12b6447be49"
    })
    @DisplayName("LTP-SEC-003: reproduces the canonical text and signature byte for byte")
    void vectors(String name, String testSecretSignature, String otherSecretSignature) throws IOException {
        Envelope envelope = vector(name);
        assertThat(EnvelopeSigner.signingText(envelope)).isEqualTo(resource(name + ".canon"));
        assertThat(EnvelopeSigner.hmacSha256("test-secret").sign(envelope)).isEqualTo(testSecretSignature);
        assertThat(EnvelopeSigner.hmacSha256(OTHER_SECRET).sign(envelope)).isEqualTo(otherSecretSignature);
    }

    @Test
    @DisplayName("LTP-SEC-003: the spec's first vector, written out")
    void specVectorInline() {
        Envelope envelope = (Envelope) LtpCodec.standard().decode("{\"type\":\"ping\",\"thread_id\":\"t1\",\"session_id\":\"s1\","
                + "\"timestamp\":1731600000,\"nonce\":\"n1\",\"payload\":{},\"meta\":{\"client_id\":\"c1\"}}");
        assertThat(EnvelopeSigner.signingText(envelope)).isEqualTo("{\"content_encoding\":\"\",\"meta\":{\"client_id\":\"c1\"},"
                + "\"nonce\":\"n1\",\"payload\":{},\"prev_message_hash\":\"\",\"session_id\":\"s1\",\"thread_id\":\"t1\","
                + "\"timestamp\":1731600000,\"type\":\"ping\"}");
    }

    @Test
    @DisplayName("LTP-SEC-004: a signed envelope verifies; any change to a signed member is INVALID_SIGNATURE")
    void verification() throws IOException {
        EnvelopeSigner signer = EnvelopeSigner.hmacSha256("test-secret");
        Envelope signed = signer.signed(vector("v2"));
        signer.verify(signed);
        // The wire form verifies too: the signature survives encode/decode.
        signer.verify((Envelope) LtpCodec.standard().decode(LtpCodec.standard().encode(signed)));

        assertInvalid(signer, signed.withTimestamp(signed.timestamp() + 1));
        assertInvalid(signer, signed.withNonce("n3"));
        assertInvalid(signer, signed.withIds("t2", "s1"));
        assertInvalid(signer, signed.withSignature(signed.signature().toUpperCase()));
        assertInvalid(signer, signed.withSignature("v0-placeholder"));
        assertInvalid(EnvelopeSigner.hmacSha256("other"), signed);
        // Unsigned extra members do not matter.
        signer.verify(signed.withExtraFields(java.util.Map.of("x", new com.google.gson.JsonPrimitive(1))));
    }

    @Test
    @DisplayName("an omitted content_encoding and \"json\" sign differently (defaults to \"\")")
    void omittedEncodingDiffersFromJson() throws IOException {
        EnvelopeSigner signer = EnvelopeSigner.hmacSha256("test-secret");
        Envelope omitted = vector("v1");
        Envelope json = omitted.toBuilder().contentEncoding(null).build();
        Envelope explicit = new Envelope(json.type(), json.threadId(), json.sessionId(), json.timestamp(), "json",
                json.payload(), json.meta(), json.nonce(), null, null);
        assertThat(signer.sign(omitted)).isNotEqualTo(signer.sign(explicit));
    }

    @Test
    @DisplayName("unsigned envelopes are MISSING_SIGNATURE; a missing nonce or payload is MISSING_REQUIRED_FIELD")
    void missingParts() throws IOException {
        EnvelopeSigner signer = EnvelopeSigner.hmacSha256("test-secret");
        Envelope envelope = vector("v1");
        assertThatThrownBy(() -> signer.verify(envelope)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MISSING_SIGNATURE));
        assertThatThrownBy(() -> signer.sign(envelope.withNonce(null))).isInstanceOfSatisfying(
                LtpProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MISSING_REQUIRED_FIELD));
        Envelope noPayload = new Envelope("ping", "t", "s", 1, null, null, null, "n", null, null);
        assertThatThrownBy(() -> signer.sign(noPayload)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.detail("missing_field").getAsString()).isEqualTo("payload"));
        assertThatThrownBy(() -> EnvelopeSigner.hmacSha256("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("a hex-looking secret is used as a string, not hex-decoded")
    void hexSecretIsAString() throws IOException {
        Envelope envelope = vector("v1");
        assertThat(EnvelopeSigner.hmacSha256("00ff").sign(envelope))
                .isNotEqualTo(EnvelopeSigner.hmacSha256("\u0000\u00ff").sign(envelope));
    }

    @Test
    @DisplayName("EnvelopeVerifier.signatures reports SIGNATURE_VERIFICATION_ERROR for a client without a secret")
    void verifierWithoutSecret() throws IOException {
        EnvelopeVerifier verifier = EnvelopeVerifier.signatures(client -> client.equals("c1")
                ? EnvelopeSigner.hmacSha256("test-secret") : null);
        Envelope signed = EnvelopeSigner.hmacSha256("test-secret").signed(vector("v1"));
        verifier.verify(signed, "c1");
        assertThatThrownBy(() -> verifier.verify(signed, "c2")).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_VERIFICATION_ERROR));
    }

    private static void assertInvalid(EnvelopeSigner signer, Envelope envelope) {
        assertThatThrownBy(() -> signer.verify(envelope)).isInstanceOfSatisfying(LtpProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SIGNATURE);
            assertThat(e.code().keepsConnectionOpen()).isTrue();
        });
    }
}
