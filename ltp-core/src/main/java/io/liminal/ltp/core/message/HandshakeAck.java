package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code handshake_ack} (spec §3.3): the server accepted a handshake.
 *
 * @param ltpVersion {@code ltp_version} in use for this connection (the requested one, A-5)
 * @param threadId {@code thread_id}: the requested one when {@code resumed}
 * @param sessionId {@code session_id}: new for this connection
 * @param serverCapabilities {@code server_capabilities} (a client reads an absent list as empty)
 * @param heartbeatIntervalMs {@code heartbeat_interval_ms}, ping cadence
 * @param resumed {@code resumed}: whether an existing thread was re-entered
 * @param metadata {@code metadata}, or {@code null}
 * @param nonce reserved v0.1 {@code nonce} hook, ignored; or {@code null}
 * @param extraFields unknown top-level members, carried unchanged
 */
public record HandshakeAck(
        String ltpVersion,
        String threadId,
        String sessionId,
        List<String> serverCapabilities,
        long heartbeatIntervalMs,
        boolean resumed,
        JsonObject metadata,
        String nonce,
        Map<String, JsonElement> extraFields) implements LtpMessage {

    /** The interval clients assume when an ack has none or a non-positive one (§3.7). */
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;

    /** Validates and freezes the components. */
    public HandshakeAck {
        Objects.requireNonNull(ltpVersion, "ltpVersion");
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(sessionId, "sessionId");
        serverCapabilities = serverCapabilities == null ? List.of() : List.copyOf(serverCapabilities);
        extraFields = Records.freeze(extraFields);
    }

    @Override
    public String type() {
        return MessageTypes.HANDSHAKE_ACK;
    }

    /** Whether the server advertised {@code capability}. */
    public boolean hasCapability(String capability) {
        return serverCapabilities.contains(capability);
    }
}
