package io.liminal.ltp.core.internal.json;

/**
 * The protocol's own names (fields and message types) as shared constants. The parser returns these instead of a
 * new substring, so the strings most messages consist of cost no allocation, and their hash codes (every field name
 * goes through a {@code switch}) are computed once per process instead of once per message.
 */
final class KnownStrings {
    private static final String[] ALL = {
        "type", "thread_id", "session_id", "timestamp", "content_encoding", "payload", "meta", "nonce", "signature",
        "ping", "pong", "state_update", "event", "error", "handshake_init", "handshake_resume", "handshake_ack",
        "handshake_reject", "ltp_version", "client_id", "metadata", "heartbeat_interval_ms", "resumed",
        "server_capabilities", "reason", "suggest_new", "json", "toon", "data", "key", "value", "event_type",
        "code", "message", "details", "trace_id", "parent_span_id", "user_agent", "affect", "valence", "arousal",
        "context_tag",
    };
    private static final int MAX_LENGTH = 24;
    /** Candidates by length; a lookup compares at most a few of them. */
    private static final String[][] BY_LENGTH = new String[MAX_LENGTH + 1][];

    static {
        for (int length = 0; length <= MAX_LENGTH; length++) {
            int count = 0;
            for (String name : ALL) {
                if (name.length() == length) {
                    count++;
                }
            }
            String[] candidates = new String[count];
            int i = 0;
            for (String name : ALL) {
                if (name.length() == length) {
                    candidates[i++] = name;
                }
            }
            BY_LENGTH[length] = candidates;
        }
    }

    private KnownStrings() {
    }

    /** The constant equal to {@code text[start, start + length)}, or {@code null}. */
    static String find(String text, int start, int length) {
        if (length > MAX_LENGTH) {
            return null;
        }
        String[] candidates = BY_LENGTH[length];
        if (candidates.length == 0) {
            return null;
        }
        char first = text.charAt(start); // most candidates differ in their first character: skip the full compare
        for (String candidate : candidates) {
            if (candidate.charAt(0) == first && regionEquals(text, start, candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Whether {@code text} holds {@code candidate} at {@code start}; the caller has checked that it fits. A plain
     * loop the JIT inlines: {@code String.regionMatches} is too large to inline and took a sixth of the engine's
     * time per ping ({@code EngineBenchmark}).
     */
    static boolean regionEquals(String text, int start, String candidate) {
        for (int i = candidate.length() - 1; i >= 0; i--) {
            if (text.charAt(start + i) != candidate.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
