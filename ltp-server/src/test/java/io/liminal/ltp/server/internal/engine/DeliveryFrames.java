package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.json;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import java.util.ArrayList;
import java.util.List;

/** Frames of delivery-v1 clients for engine tests over the in-memory transport. */
final class DeliveryFrames {
    private DeliveryFrames() {
    }

    static Envelope event(String data) {
        return Envelope.builder("event").payloadOwned(new EventPayload("note", new JsonPrimitive(data)).toJson())
                .build();
    }

    static String hello(String instance, long lastReceived) {
        return ",\"capabilities\":[\"delivery-v1\"],\"delivery\":{\"version\":1,\"instance\":\"" + instance
                + "\",\"last_received\":" + lastReceived + "}";
    }

    static JsonObject initDelivery(Peer peer, String clientId, String instance) {
        peer.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId + "\""
                + hello(instance, 0) + "}");
        return json(peer.poll());
    }

    static JsonObject resumeDelivery(Peer peer, String clientId, String thread, String instance,
            long lastReceived) {
        peer.sendText("{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                + "\",\"thread_id\":\"" + thread + "\"" + hello(instance, lastReceived) + "}");
        return json(peer.poll());
    }

    static String numberedEvent(JsonObject ack, long seq, String data) {
        return "{\"type\":\"event\",\"thread_id\":\"" + ack.get("thread_id").getAsString() + "\",\"session_id\":\""
                + ack.get("session_id").getAsString() + "\",\"timestamp\":" + 1_731_600_000 + ",\"seq\":" + seq
                + ",\"payload\":{\"event_type\":\"note\",\"data\":\"" + data + "\"}}";
    }

    static String plainEvent(JsonObject ack, String data) {
        return "{\"type\":\"event\",\"thread_id\":\"" + ack.get("thread_id").getAsString() + "\",\"session_id\":\""
                + ack.get("session_id").getAsString() + "\",\"timestamp\":" + 1_731_600_000
                + ",\"payload\":{\"event_type\":\"note\",\"data\":\"" + data + "\"}}";
    }

    static List<JsonObject> drain(Peer peer) {
        List<JsonObject> messages = new ArrayList<>();
        String text;
        while ((text = peer.poll()) != null) {
            messages.add(json(text));
        }
        return messages;
    }

    static List<Long> seqs(List<JsonObject> messages) {
        return messages.stream().filter(m -> m.has("seq")).map(m -> m.get("seq").getAsLong()).toList();
    }

    /** The data of each event, in order. */
    static List<String> eventData(List<JsonObject> messages) {
        return messages.stream().filter(m -> "event".equals(m.get("type").getAsString()))
                .map(m -> m.getAsJsonObject("payload").get("data").getAsString()).toList();
    }

    /** Each message as {@code type} or {@code type:seq} for numbered ones, {@code ack:n} for acknowledgements. */
    static List<String> shapes(List<JsonObject> messages) {
        return messages.stream().map(m -> {
            String type = m.get("type").getAsString();
            if (type.equals("delivery:ack")) {
                return "ack:" + m.getAsJsonObject("payload").get("through").getAsLong();
            }
            return m.has("seq") ? type + ":" + m.get("seq").getAsLong() : type;
        }).toList();
    }
}
