package io.liminal.ltp.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** JSON frames tests send, and helpers to read what comes back. */
public final class TestFrames {
    private TestFrames() {
    }

    public static String init(String clientId) {
        return "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId + "\"}";
    }

    public static String init(String clientId, String version) {
        return "{\"type\":\"handshake_init\",\"ltp_version\":\"" + version + "\",\"client_id\":\"" + clientId + "\"}";
    }

    public static String initWithToken(String clientId, String token) {
        return "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                + "\",\"metadata\":{\"auth_token\":\"" + token + "\"}}";
    }

    public static String resume(String clientId, String threadId) {
        return "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                + "\",\"thread_id\":\"" + threadId + "\",\"resume_reason\":\"automatic_reconnect\"}";
    }

    public static String envelope(String type, String threadId, String sessionId, String payload) {
        return "{\"type\":\"" + type + "\",\"thread_id\":\"" + threadId + "\",\"session_id\":\"" + sessionId
                + "\",\"timestamp\":1731600000,\"payload\":" + payload + "}";
    }

    public static String ping(JsonObject ack) {
        return envelope("ping", ack.get("thread_id").getAsString(), ack.get("session_id").getAsString(), "{}");
    }

    public static String stateUpdate(JsonObject ack, String kind, String data) {
        return envelope("state_update", ack.get("thread_id").getAsString(), ack.get("session_id").getAsString(),
                "{\"kind\":\"" + kind + "\",\"data\":" + data + "}");
    }

    public static String event(JsonObject ack, String eventType, String data) {
        return envelope("event", ack.get("thread_id").getAsString(), ack.get("session_id").getAsString(),
                "{\"event_type\":\"" + eventType + "\",\"data\":" + data + "}");
    }

    public static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    public static String type(String text) {
        return json(text).get("type").getAsString();
    }

    public static String errorCode(String text) {
        JsonObject message = json(text);
        if (!"error".equals(message.get("type").getAsString())) {
            throw new AssertionError("Expected an error but got " + text);
        }
        return message.getAsJsonObject("payload").get("error_code").getAsString();
    }
}
