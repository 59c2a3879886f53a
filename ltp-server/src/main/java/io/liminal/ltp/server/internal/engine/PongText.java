package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.message.Envelope;

/**
 * Renders a plain pong in one exact-size string concatenation from a per-session prefix. The text is identical to
 * what {@code LtpCodec.encode} writes for the same envelope (a test compares them); it skips the general writer's
 * builder and copy for the message a server sends most.
 */
final class PongText {
    private static final String MIDDLE = ",\"payload\":{},\"meta\":{},\"nonce\":";

    private PongText() {
    }

    /** {@code {"type":"pong","thread_id":"…","session_id":"…","timestamp":} for a session. */
    static String prefix(String threadId, String sessionId) {
        StringBuilder prefix = new StringBuilder(128).append("{\"type\":\"pong\",\"thread_id\":");
        JsonText.string(prefix, threadId);
        prefix.append(",\"session_id\":");
        JsonText.string(prefix, sessionId);
        return prefix.append(",\"timestamp\":").toString();
    }

    /** Whether the pong has exactly the shape the prefix renders. */
    static boolean isPlain(Envelope pong, Session session) {
        return session != null && pong.signature() == null && pong.contentEncoding() == null
                && pong.extraFields().isEmpty() && pong.nonce() != null && isPlainNonce(pong.nonce())
                && pong.payload() != null && pong.payload().size() == 0
                && pong.meta() != null && pong.meta().isEmpty()
                && session.threadId().equals(pong.threadId()) && session.sessionId().equals(pong.sessionId());
    }

    static String render(String prefix, Envelope pong) {
        return prefix + pong.timestamp() + MIDDLE + '"' + pong.nonce() + "\"}";
    }

    /** Nonces that need no JSON escaping. */
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
