package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.message.Envelope;
import java.nio.charset.StandardCharsets;

/**
 * Renders a plain pong as UTF-8 bytes in one exact-size array from a per-session prefix. The bytes are identical
 * to what {@code LtpCodec.encode} writes for the same envelope (a test compares them); it skips the general
 * writer's builder, the string, and the string's encoding for the message a server sends most.
 */
final class PongText {
    private static final byte[] MIDDLE = ",\"payload\":{},\"meta\":{},\"nonce\":\"".getBytes(StandardCharsets.US_ASCII);

    private PongText() {
    }

    /** {@code {"type":"pong","thread_id":"…","session_id":"…","timestamp":} for a session, in UTF-8. */
    static byte[] prefix(String threadId, String sessionId) {
        StringBuilder prefix = new StringBuilder(128).append("{\"type\":\"pong\",\"thread_id\":");
        JsonText.string(prefix, threadId);
        prefix.append(",\"session_id\":");
        JsonText.string(prefix, sessionId);
        return prefix.append(",\"timestamp\":").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The pong's frame from the session's {@link #prefix}, or {@code null} when the pong has another shape than the
     * prefix renders (a signature, extra fields, other ids, a nonce that needs escaping or is not ASCII): the caller
     * then uses the general encoder. The nonce is checked while it is copied, in one pass.
     */
    static byte[] render(byte[] prefix, Envelope pong, Session session) {
        if (session == null || pong.signature() != null || pong.contentEncoding() != null
                || !pong.extraFields().isEmpty() || pong.nonce() == null || pong.timestamp() < 0
                || pong.payload() == null || pong.payload().size() != 0 || pong.meta() == null || !pong.meta().isEmpty()
                || !session.threadId().equals(pong.threadId()) || !session.sessionId().equals(pong.sessionId())) {
            return null;
        }
        long timestamp = pong.timestamp();
        String nonce = pong.nonce();
        int digits = JsonText.decimalDigits(timestamp);
        byte[] out = new byte[prefix.length + digits + MIDDLE.length + nonce.length() + 2];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        JsonText.putDecimal(out, prefix.length, timestamp, digits);
        int pos = prefix.length + digits;
        System.arraycopy(MIDDLE, 0, out, pos, MIDDLE.length);
        pos += MIDDLE.length;
        boolean plain = true;
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            plain &= c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; // printable ASCII, nothing to escape
            out[pos++] = (byte) c;
        }
        if (!plain) {
            return null;
        }
        out[pos++] = '"';
        out[pos] = '}';
        return out;
    }
}
