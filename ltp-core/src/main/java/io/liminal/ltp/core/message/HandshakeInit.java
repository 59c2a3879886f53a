package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.liminal.ltp.core.LtpVersions;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code handshake_init} (spec §3.1): the client asks for a new thread.
 *
 * @param ltpVersion {@code ltp_version}, {@code "0.3"} or {@code "0.2"}
 * @param clientId {@code client_id}, stable across restarts
 * @param deviceFingerprint {@code device_fingerprint}, or {@code null}
 * @param intent {@code intent}, or {@code null}
 * @param capabilities {@code capabilities}, or {@code null} when absent
 * @param metadata {@code metadata} (may hold {@code auth_token}), or {@code null}
 * @param extraFields unknown top-level members, carried unchanged
 */
public record HandshakeInit(
        String ltpVersion,
        String clientId,
        String deviceFingerprint,
        String intent,
        List<String> capabilities,
        JsonObject metadata,
        Map<String, JsonElement> extraFields) implements LtpMessage {

    /** Validates and freezes the components. */
    public HandshakeInit {
        Objects.requireNonNull(ltpVersion, "ltpVersion");
        Objects.requireNonNull(clientId, "clientId");
        capabilities = Records.freezeList(capabilities);
        extraFields = Records.freeze(extraFields);
    }

    @Override
    public String type() {
        return MessageTypes.HANDSHAKE_INIT;
    }

    /** A builder for a {@code "0.3"} init from {@code clientId}. */
    public static Builder builder(String clientId) {
        return new Builder(clientId);
    }

    /** Builds a {@link HandshakeInit}; JSON values are copied. */
    public static final class Builder {
        private String ltpVersion = LtpVersions.V0_3;
        private final String clientId;
        private String deviceFingerprint;
        private String intent;
        private List<String> capabilities;
        private JsonObject metadata;
        private Map<String, JsonElement> extraFields;

        private Builder(String clientId) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
        }

        /** Sets {@code ltp_version} (default {@code "0.3"}). */
        public Builder ltpVersion(String ltpVersion) {
            this.ltpVersion = Objects.requireNonNull(ltpVersion, "ltpVersion");
            return this;
        }

        /** Sets {@code device_fingerprint}. */
        public Builder deviceFingerprint(String deviceFingerprint) {
            this.deviceFingerprint = deviceFingerprint;
            return this;
        }

        /** Sets {@code intent}. */
        public Builder intent(String intent) {
            this.intent = intent;
            return this;
        }

        /** Sets {@code capabilities}. */
        public Builder capabilities(List<String> capabilities) {
            this.capabilities = capabilities;
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
        public HandshakeInit build() {
            return new HandshakeInit(ltpVersion, clientId, deviceFingerprint, intent, capabilities, metadata,
                    extraFields);
        }
    }
}
