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

    /** Whether the pong has exactly the shape the prefix renders. */
    static boolean isPlain(Envelope pong, Session session) {
        return session != null && pong.signature() == null && pong.contentEncoding() == null
                && pong.extraFields().isEmpty() && pong.nonce() != null && isPlainNonce(pong.nonce())
                && pong.timestamp() >= 0
                && pong.payload() != null && pong.payload().size() == 0
                && pong.meta() != null && pong.meta().isEmpty()
                && session.threadId().equals(pong.threadId()) && session.sessionId().equals(pong.sessionId());
    }

    /** The pong's frame; only for an envelope {@link #isPlain} accepted. */
    static byte[] render(byte[] prefix, Envelope pong) {
        long timestamp = pong.timestamp();
        String nonce = pong.nonce();
        int digits = JsonText.decimalDigits(timestamp);
        byte[] out = new byte[prefix.length + digits + MIDDLE.length + nonce.length() + 2];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        JsonText.putDecimal(out, prefix.length, timestamp);
        int pos = prefix.length + digits;
        System.arraycopy(MIDDLE, 0, out, pos, MIDDLE.length);
        pos += MIDDLE.length;
        for (int i = 0; i < nonce.length(); i++) {
            out[pos++] = (byte) nonce.charAt(i); // printable ASCII, checked by isPlain
        }
        out[pos++] = '"';
        out[pos] = '}';
        return out;
    }

    /** Nonces that need no JSON escaping and are one byte per character in UTF-8. */
    private static boolean isPlainNonce(String nonce) {
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
