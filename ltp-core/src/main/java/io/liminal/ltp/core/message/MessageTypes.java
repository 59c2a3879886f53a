package io.liminal.ltp.core.message;

/**
 * The message type names of spec §3 and §5, and the rules for custom {@code namespace:type} names.
 */
public final class MessageTypes {
    /** Client opens a new thread. */
    public static final String HANDSHAKE_INIT = "handshake_init";
    /** Client re-enters a thread. */
    public static final String HANDSHAKE_RESUME = "handshake_resume";
    /** Server accepts a handshake. */
    public static final String HANDSHAKE_ACK = "handshake_ack";
    /** Server refuses a resume. */
    public static final String HANDSHAKE_REJECT = "handshake_reject";
    /** Client liveness probe. */
    public static final String PING = "ping";
    /** Server answer to a ping. */
    public static final String PONG = "pong";
    /** Application state, both directions. */
    public static final String STATE_UPDATE = "state_update";
    /** Application event, both directions. */
    public static final String EVENT = "event";
    /** Error report. */
    public static final String ERROR = "error";

    private MessageTypes() {
    }

    /** Whether {@code type} is one of the four handshake types. */
    public static boolean isHandshake(String type) {
        return type.startsWith("handshake_")
                && (HANDSHAKE_INIT.equals(type) || HANDSHAKE_RESUME.equals(type)
                        || HANDSHAKE_ACK.equals(type) || HANDSHAKE_REJECT.equals(type));
    }

    /**
     * Whether {@code type} is a custom {@code namespace:type} name. Names without {@code ':'} are reserved for the
     * spec.
     */
    public static boolean isCustom(String type) {
        return type.indexOf(':') > 0;
    }

    /** The namespace of a custom type ({@code "lri"} for {@code "lri:resonance_pattern"}), or {@code null}. */
    public static String namespaceOf(String type) {
        int colon = type.indexOf(':');
        return colon > 0 ? type.substring(0, colon) : null;
    }
}
