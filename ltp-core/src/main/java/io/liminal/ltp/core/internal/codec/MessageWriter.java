package io.liminal.ltp.core.internal.codec;

import com.google.gson.JsonElement;
import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.MessageTypes;
import java.util.List;
import java.util.Map;

/**
 * Writes messages as minified JSON text: known fields in the spec's order, absent ones omitted, then the extra
 * fields in the order they were received.
 */
public final class MessageWriter {
    /** Builders up to this capacity stay with their thread; a larger one served one big message and is dropped. */
    private static final int RETAINED_CAPACITY = 16 * 1024;
    /**
     * One builder per thread: writing allocates only the resulting string. A fresh builder per message grew
     * through two or three copies for a handshake ack and was most of what encoding allocated.
     */
    private static final ThreadLocal<StringBuilder> BUILDERS = ThreadLocal.withInitial(() -> new StringBuilder(512));

    private MessageWriter() {
    }

    /** The JSON text of {@code message}. */
    public static String write(LtpMessage message) {
        StringBuilder out = BUILDERS.get();
        out.setLength(0);
        try {
            write(out, message);
            return out.toString();
        } finally {
            if (out.capacity() > RETAINED_CAPACITY) {
                BUILDERS.remove();
            }
        }
    }

    /** Appends the JSON text of {@code message}. */
    public static void write(StringBuilder out, LtpMessage message) {
        Fields fields = new Fields(out);
        fields.string("type", message.type());
        if (message instanceof Envelope envelope) {
            writeEnvelope(fields, envelope);
        } else if (message instanceof HandshakeInit init) {
            fields.string("ltp_version", init.ltpVersion());
            fields.string("client_id", init.clientId());
            fields.string("device_fingerprint", init.deviceFingerprint());
            fields.string("intent", init.intent());
            fields.strings("capabilities", init.capabilities());
            fields.value("metadata", init.metadata());
        } else if (message instanceof HandshakeResume resume) {
            fields.string("ltp_version", resume.ltpVersion());
            fields.string("client_id", resume.clientId());
            fields.string("thread_id", resume.threadId());
            fields.string("resume_reason", resume.resumeReason());
            fields.value("metadata", resume.metadata());
        } else if (message instanceof HandshakeAck ack) {
            fields.string("ltp_version", ack.ltpVersion());
            fields.string("thread_id", ack.threadId());
            fields.string("session_id", ack.sessionId());
            fields.strings("server_capabilities", ack.serverCapabilities());
            fields.number("heartbeat_interval_ms", ack.heartbeatIntervalMs());
            fields.bool("resumed", ack.resumed());
            fields.value("metadata", ack.metadata());
            fields.string("nonce", ack.nonce());
        } else if (message instanceof HandshakeReject reject) {
            fields.string("ltp_version", reject.ltpVersion());
            fields.string("reason", reject.reason());
            if (reject.suggestNew() != null) {
                fields.bool("suggest_new", reject.suggestNew());
            }
            fields.value("metadata", reject.metadata());
        }
        for (Map.Entry<String, JsonElement> extra : message.extraFields().entrySet()) {
            fields.extra(extra.getKey(), extra.getValue());
        }
        out.append('}');
    }

    private static void writeEnvelope(Fields fields, Envelope envelope) {
        fields.string("thread_id", envelope.threadId());
        fields.string("session_id", envelope.sessionId());
        // Received errors may lack a timestamp (decoded as 0); do not invent one when relaying them.
        if (envelope.timestamp() != 0 || !MessageTypes.ERROR.equals(envelope.type())) {
            fields.number("timestamp", envelope.timestamp());
        }
        fields.string("content_encoding", envelope.contentEncoding());
        fields.value("payload", envelope.payload());
        fields.value("meta", envelope.meta() == null ? null : envelope.meta().json());
        fields.string("nonce", envelope.nonce());
        fields.string("signature", envelope.signature());
    }

    /** Member writer that handles separators and skips absent values. Known names are plain ASCII. */
    private static final class Fields {
        private final StringBuilder out;
        private boolean first = true;

        Fields(StringBuilder out) {
            this.out = out;
            out.append('{');
        }

        /** Known names need no escaping: append them as they are; extra fields go through the escaper. */
        private void name(String name) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append('"').append(name).append("\":");
        }

        private void escapedName(String name) {
            if (!first) {
                out.append(',');
            }
            first = false;
            JsonText.string(out, name);
            out.append(':');
        }

        void string(String name, String value) {
            if (value != null) {
                name(name);
                JsonText.string(out, value);
            }
        }

        void number(String name, long value) {
            name(name);
            out.append(value);
        }

        void bool(String name, boolean value) {
            name(name);
            out.append(value);
        }

        void strings(String name, List<String> values) {
            if (values != null) {
                name(name);
                out.append('[');
                for (int i = 0; i < values.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    JsonText.string(out, values.get(i));
                }
                out.append(']');
            }
        }

        void value(String name, JsonElement value) {
            if (value != null) {
                name(name);
                JsonText.value(out, value);
            }
        }

        void extra(String name, JsonElement value) {
            escapedName(name);
            JsonText.value(out, value);
        }
    }
}
