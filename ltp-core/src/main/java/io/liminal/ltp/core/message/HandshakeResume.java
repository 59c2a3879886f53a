package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.liminal.ltp.core.LtpVersions;
import java.util.Map;
import java.util.Objects;

/**
 * {@code handshake_resume} (spec §3.2): the client re-enters a thread it was given before.
 *
 * @param ltpVersion {@code ltp_version}
 * @param clientId {@code client_id}: the one that created the thread
 * @param threadId {@code thread_id} to resume
 * @param resumeReason {@code resume_reason}, or {@code null}
 * @param metadata {@code metadata} (may hold {@code auth_token}, Appendix A-4), or {@code null}
 * @param extraFields unknown top-level members, carried unchanged
 */
public record HandshakeResume(
        String ltpVersion,
        String clientId,
        String threadId,
        String resumeReason,
        JsonObject metadata,
        Map<String, JsonElement> extraFields) implements LtpMessage {

    /** Reason reference clients send when they reconnect by themselves. */
    public static final String REASON_AUTOMATIC_RECONNECT = "automatic_reconnect";

    /** Validates and freezes the components. */
    public HandshakeResume {
        Objects.requireNonNull(ltpVersion, "ltpVersion");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(threadId, "threadId");
        extraFields = Records.freeze(extraFields);
    }

    @Override
    public String type() {
        return MessageTypes.HANDSHAKE_RESUME;
    }

    /** A builder for a {@code "0.3"} resume. */
    public static Builder builder(String clientId, String threadId) {
        return new Builder(clientId, threadId);
    }

    /** Builds a {@link HandshakeResume}; JSON values are copied. */
    public static final class Builder {
        private String ltpVersion = LtpVersions.V0_3;
        private final String clientId;
        private final String threadId;
        private String resumeReason;
        private JsonObject metadata;
        private Map<String, JsonElement> extraFields;

        private Builder(String clientId, String threadId) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.threadId = Objects.requireNonNull(threadId, "threadId");
        }

        /** Sets {@code ltp_version} (default {@code "0.3"}). */
        public Builder ltpVersion(String ltpVersion) {
            this.ltpVersion = Objects.requireNonNull(ltpVersion, "ltpVersion");
            return this;
        }

        /** Sets {@code resume_reason}. */
        public Builder resumeReason(String resumeReason) {
            this.resumeReason = resumeReason;
            return this;
        }

        /** Sets {@code metadata}. */
        public Builder metadata(JsonObject metadata) {
            this.metadata = Records.copy(metadata);
            return this;
        }

        /** Sets extra top-level members. */
        public Builder extraFields(Map<String, JsonElement> extraFields) {
            this.extraFields = extraFields;
            return this;
        }

        /** The message. */
        public HandshakeResume build() {
            return new HandshakeResume(ltpVersion, clientId, threadId, resumeReason, metadata, extraFields);
        }
    }
}
