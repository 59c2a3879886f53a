package io.liminal.ltp.core.security;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.CanonicalJson;
import io.liminal.ltp.core.internal.json.EcmaNumbers;
import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.message.Envelope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Optional HMAC-SHA256 envelope signatures (spec §11.3; capability {@value #CAPABILITY}).
 *
 * <p>The signing input is an object of exactly nine members taken from the envelope as sent ({@code type},
 * {@code thread_id}, {@code session_id}, {@code timestamp}, {@code nonce}, {@code payload},
 * {@code prev_message_hash}, {@code meta}, {@code content_encoding}), absent ones defaulted, written as
 * {@link CanonicalJson}. The key is the UTF-8 bytes of the secret string (hex-looking secrets are not decoded);
 * the signature is 64 lowercase hex digits; verification compares in constant time. Thread-safe.
 */
public final class EnvelopeSigner {
    /** The capability peers may advertise for this extension (our convention, not upstream). */
    public static final String CAPABILITY = "sig-hmac-sha256";

    private final HmacSha256 hmac;

    private EnvelopeSigner(String secret) {
        this.hmac = new HmacSha256(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8));
    }

    /** A signer for a shared secret. */
    public static EnvelopeSigner hmacSha256(String secret) {
        return new EnvelopeSigner(secret);
    }

    /**
     * The canonical text that is signed.
     *
     * @throws LtpProtocolException {@code MISSING_REQUIRED_FIELD} when {@code nonce} or {@code payload} is absent
     */
    public static String signingText(Envelope envelope) {
        if (envelope.nonce() == null || envelope.nonce().isEmpty()) {
            throw missing("nonce");
        }
        if (envelope.payload() == null) {
            throw missing("payload");
        }
        // The members in canonical (sorted) order, written directly.
        StringBuilder out = new StringBuilder(256);
        out.append("{\"content_encoding\":");
        JsonText.string(out, orEmpty(envelope.contentEncoding()));
        out.append(",\"meta\":");
        if (envelope.meta() == null) {
            out.append("{}");
        } else {
            CanonicalJson.write(out, envelope.meta().json());
        }
        out.append(",\"nonce\":");
        JsonText.string(out, envelope.nonce());
        out.append(",\"payload\":");
        CanonicalJson.write(out, envelope.payload());
        out.append(",\"prev_message_hash\":");
        JsonText.string(out, prevMessageHash(envelope));
        out.append(",\"session_id\":");
        JsonText.string(out, orEmpty(envelope.sessionId()));
        out.append(",\"thread_id\":");
        JsonText.string(out, orEmpty(envelope.threadId()));
        out.append(",\"timestamp\":").append(EcmaNumbers.format(envelope.timestamp()));
        out.append(",\"type\":");
        JsonText.string(out, envelope.type());
        return out.append('}').toString();
    }

    /** The signature of {@code envelope}: 64 lowercase hex digits. */
    public String sign(Envelope envelope) {
        return hmac.hex(signingText(envelope));
    }

    /** {@code envelope} with its {@code signature} set. */
    public Envelope signed(Envelope envelope) {
        return envelope.withSignature(sign(envelope));
    }

    /**
     * Checks the envelope's signature.
     *
     * @throws LtpProtocolException {@code MISSING_SIGNATURE} when there is none, {@code MISSING_REQUIRED_FIELD}
     *     when a signed member is missing, {@code INVALID_SIGNATURE} when it does not match
     */
    public void verify(Envelope envelope) {
        String signature = envelope.signature();
        if (signature == null || signature.isEmpty()) {
            throw new LtpProtocolException(ErrorCode.MISSING_SIGNATURE, "Envelope is not signed",
                    LtpProtocolException.newDetails().put("field", "signature").build());
        }
        byte[] expected = hmac.hex(signingText(envelope)).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = signature.getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new LtpProtocolException(ErrorCode.INVALID_SIGNATURE, "Envelope signature does not match",
                    LtpProtocolException.newDetails().put("field", "signature").build());
        }
    }

    private static String prevMessageHash(Envelope envelope) {
        JsonElement value = envelope.extraFields().get("prev_message_hash");
        return value instanceof JsonPrimitive primitive && primitive.isString() ? primitive.getAsString() : "";
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static LtpProtocolException missing(String field) {
        return new LtpProtocolException(ErrorCode.MISSING_REQUIRED_FIELD,
                "Signed envelopes need a " + field,
                LtpProtocolException.newDetails().put("missing_field", field).build());
    }
}
