package io.liminal.ltp.core.message;

import com.google.gson.JsonElement;
import java.util.Map;

/**
 * One LTP message: a handshake message or an envelope.
 */
public sealed interface LtpMessage permits HandshakeInit, HandshakeResume, HandshakeAck, HandshakeReject, Envelope {

    /** The {@code type} field. */
    String type();

    /**
     * Top-level members this version does not know, in the order they were received; carried unchanged when the
     * message is encoded again. Unmodifiable.
     */
    Map<String, JsonElement> extraFields();
}
