package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.Objects;

/**
 * {@code handshake_reject} (spec §3.4): the server refused a resume; the connection stays open.
 *
 * @param ltpVersion {@code ltp_version} of the server
 * @param reason {@code reason}: {@link #THREAD_NOT_FOUND}, {@link #FORBIDDEN}, {@link #VERSION_MISMATCH} or
 *     implementation-specific
 * @param suggestNew {@code suggest_new}, or {@code null} when absent (clients read absent as {@code true}, A-9)
 * @param metadata {@code metadata}, or {@code null}
 * @param extraFields unknown top-level members, carried unchanged
 */
public record HandshakeReject(
        String ltpVersion,
        String reason,
        Boolean suggestNew,
        JsonObject metadata,
        Map<String, JsonElement> extraFields) implements LtpMessage {

    /** The thread is unknown or expired. */
    public static final String THREAD_NOT_FOUND = "thread_not_found";
    /** The thread belongs to another client. */
    public static final String FORBIDDEN = "forbidden";
    /** Version mismatch (upstream reason; unsupported versions get an error instead). */
    public static final String VERSION_MISMATCH = "version_mismatch";

    /** Validates and freezes the components. */
    public HandshakeReject {
        Objects.requireNonNull(ltpVersion, "ltpVersion");
        Objects.requireNonNull(reason, "reason");
        extraFields = Records.freeze(extraFields);
    }

    @Override
    public String type() {
        return MessageTypes.HANDSHAKE_REJECT;
    }

    /** Whether the client should send {@code handshake_init} right away: true unless explicitly false. */
    public boolean shouldStartNewThread() {
        return suggestNew == null || suggestNew;
    }

    /** A reject with {@code suggest_new} set, as servers should send it. */
    public static HandshakeReject of(String ltpVersion, String reason, boolean suggestNew) {
        return new HandshakeReject(ltpVersion, reason, suggestNew, null, null);
    }
}
