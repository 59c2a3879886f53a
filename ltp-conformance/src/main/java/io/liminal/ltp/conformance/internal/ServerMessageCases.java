package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.internal.ServerLimitCases.nested;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.conformance.internal.ServerContext.Session;
import io.liminal.ltp.core.message.Envelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The server-role cases of §4 and §5, envelopes and messages (see {@link ServerCases}). */
final class ServerMessageCases {
    private ServerMessageCases() {
    }

    // ---- §4 Envelope ----------------------------------------------------------------------------------------------

    static JsonObject object(String key, JsonElement value) {
        JsonObject object = new JsonObject();
        object.add(key, value);
        return object;
    }

    static JsonObject stateUpdate(String kind, JsonElement data) {
        JsonObject payload = new JsonObject();
        if (kind != null) {
            payload.addProperty("kind", kind);
        }
        if (data != null) {
            payload.add("data", data);
        }
        return payload;
    }

    static JsonObject event(String eventType, JsonElement data) {
        JsonObject payload = new JsonObject();
        if (eventType != null) {
            payload.addProperty("event_type", eventType);
        }
        if (data != null) {
            payload.add("data", data);
        }
        return payload;
    }

    static void unknownFieldsIgnored(ServerContext c) {
        Session s = c.handshake();
        JsonObject extra = object("nested", new JsonPrimitive(true));
        c.send(s, "ping", object("x_payload_field", extra), envelope -> {
            envelope.add("x_top_level_field", extra);
            envelope.getAsJsonObject("meta").addProperty("x_meta_field", "kept");
        });
        c.awaitType(s.peer(), "pong", "the pong to a ping with unknown fields");
        JsonObject update = stateUpdate("minimal", object("focus_level", new JsonPrimitive(0.8)));
        update.addProperty("x_payload_field", 1);
        c.send(s, "state_update", update, envelope -> {
            envelope.addProperty("x_top_level_field", "ignored");
            envelope.getAsJsonObject("meta").add("x_meta_field", new JsonArray());
        });
        c.expectAlive(s, "a state_update with unknown fields");
        JsonObject event = event("user_action", object("action", new JsonPrimitive("click")));
        event.add("x_payload_field", extra);
        c.send(s, "event", event, envelope -> envelope.addProperty("x_top_level_field", 7));
        c.expectAlive(s, "an event with unknown fields");
    }

    static void affectAccepted(ServerContext c) {
        Session s = c.handshake();
        JsonObject affect = new JsonObject();
        affect.addProperty("valence", 7.5);
        affect.addProperty("arousal", -42);
        affect.add("x_extra", new JsonArray());
        c.send(s, "state_update", stateUpdate("minimal", object("a", new JsonPrimitive(1))), envelope -> {
            envelope.getAsJsonObject("meta").add("affect", affect);
            envelope.getAsJsonObject("meta").addProperty("context_tag", "ÜNUSUAL tag / with spaces ✓");
        });
        c.expectAlive(s, "a state_update with out-of-range affect values and an unusual context_tag");
        JsonObject partial = new JsonObject();
        partial.addProperty("valence", 1e6);
        c.send(s, "event", event("mood", new JsonPrimitive("x")), envelope -> {
            envelope.getAsJsonObject("meta").add("affect", partial);
            envelope.getAsJsonObject("meta").addProperty("context_tag", "");
        });
        c.expectAlive(s, "an event with a partial affect and an empty context_tag");
    }

    static void missingEnvelopeFields(ServerContext c) {
        Session s = c.handshake();
        for (String field : new String[] {"type", "thread_id", "session_id", "timestamp"}) {
            JsonObject envelope = c.envelope(s, "state_update", stateUpdate("minimal", new JsonObject()));
            envelope.remove(field);
            c.send(s, envelope);
            JsonObject error = c.expectError(s.peer(), "MISSING_REQUIRED_FIELD", "a state_update without " + field);
            c.check(field.equals(Json.string(Json.errorDetails(error), "missing_field")),
                    "details.missing_field is " + Json.errorDetails(error).get("missing_field") + ", expected \""
                            + field + "\"");
        }
        c.expectAlive(s, "MISSING_REQUIRED_FIELD errors");
    }

    static void sessionExpired(ServerContext c) {
        Peer early = c.open();
        JsonObject before = new JsonObject();
        before.addProperty("type", "ping");
        before.addProperty("thread_id", UUID.randomUUID().toString());
        before.addProperty("session_id", UUID.randomUUID().toString());
        before.addProperty("timestamp", ServerContext.nowSeconds());
        before.add("payload", new JsonObject());
        before.addProperty("nonce", "conformance-" + ServerContext.randomHex(16));
        early.send(before.toString());
        JsonObject error = c.expectError(early, "SESSION_EXPIRED", "an envelope before any handshake");
        if (!"handshake_required".equals(Json.string(Json.errorDetails(error), "reason"))) {
            c.warn("details.reason is not \"handshake_required\" (A-12)");
        }
        Session afterwards = c.handshake(early, c.newClientId());
        c.expectAlive(afterwards, "SESSION_EXPIRED before the handshake");

        Session first = c.handshake();
        first.peer().close();
        Session second = c.resume(c.open(), first.clientId(), first.threadId());
        c.send(second, "state_update", stateUpdate("minimal", new JsonObject()),
                envelope -> envelope.addProperty("session_id", first.sessionId()));
        c.expectError(second.peer(), "SESSION_EXPIRED", "a state_update with the thread's earlier session_id");
        c.send(second, "ping", new JsonObject(),
                envelope -> envelope.addProperty("session_id", UUID.randomUUID().toString()));
        c.expectError(second.peer(), "SESSION_EXPIRED", "a ping with a session_id never issued");
        c.expectAlive(second, "SESSION_EXPIRED errors");
    }

    static void unknownThread(ServerContext c) {
        Session s = c.handshake();
        Session other = c.handshake();
        c.send(s, "state_update", stateUpdate("minimal", new JsonObject()),
                envelope -> envelope.addProperty("thread_id", other.threadId()));
        c.expectError(s.peer(), "UNKNOWN_THREAD", "a state_update naming another connection's thread");
        c.send(s, "ping", new JsonObject(), envelope -> envelope.addProperty("thread_id", UUID.randomUUID().toString()));
        c.expectError(s.peer(), "UNKNOWN_THREAD", "a ping naming an unknown thread");
        c.expectAlive(s, "UNKNOWN_THREAD errors");
    }

    static void unknownTypes(ServerContext c) {
        Session s = c.handshake();
        String custom = "conformance:unhandled_" + ServerContext.randomHex(4);
        for (String type : new String[] {custom, "pong", "made_up_type"}) {
            c.send(s, type, new JsonObject(), envelope -> { });
            JsonObject error = c.expectError(s.peer(), "UNKNOWN_MESSAGE_TYPE", "a message of type " + type);
            c.check(type.equals(Json.string(Json.errorDetails(error), "received_type")),
                    "details.received_type is " + Json.errorDetails(error).get("received_type") + ", expected \""
                            + type + "\"");
        }
        c.expectAlive(s, "UNKNOWN_MESSAGE_TYPE errors");
    }

    // ---- §5 Messages ----------------------------------------------------------------------------------------------

    static void pingPong(ServerContext c) {
        Session s = c.handshake();
        int pings = 10;
        for (int i = 0; i < pings; i++) {
            c.ping(s);
        }
        for (int i = 0; i < pings; i++) {
            JsonObject pong = c.awaitType(s.peer(), "pong", "pong " + (i + 1) + " of " + pings);
            checkPong(c, s, pong);
        }
        Peer.Message extra;
        while ((extra = s.peer().next(Duration.ofMillis(300))) != null) {
            JsonObject json = Json.objectOrNull(extra.text());
            c.check(!"pong".equals(Json.type(json)), "More pongs than pings: " + (pings + 1) + " pongs for " + pings);
        }
    }

    private static void checkPong(ServerContext c, Session s, JsonObject pong) {
        c.check(s.threadId().equals(Json.string(pong, "thread_id")), "pong thread_id is " + pong.get("thread_id"));
        c.check(s.sessionId().equals(Json.string(pong, "session_id")), "pong session_id is " + pong.get("session_id"));
        c.check(Json.isInteger(pong, "timestamp"), "pong timestamp is not an integer: " + pong.get("timestamp"));
        long drift = Math.abs(pong.get("timestamp").getAsLong() - ServerContext.nowSeconds());
        c.check(drift < 300, "pong timestamp is not epoch seconds near now: " + pong.get("timestamp"));
        c.check(pong.get("payload") != null && pong.get("payload").isJsonObject(), "pong payload is not an object");
    }

    static void concurrentConnections(ServerContext c) throws Exception {
        int connections = 20;
        List<CompletableFuture<Session>> handshakes = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Peer peer = c.open();
            String clientId = c.newClientId();
            handshakes.add(CompletableFuture.supplyAsync(() -> c.handshake(peer, clientId)));
        }
        List<Session> sessions = new ArrayList<>();
        Set<String> threads = new HashSet<>();
        Set<String> sessionIds = new HashSet<>();
        for (CompletableFuture<Session> handshake : handshakes) {
            Session session = joinCase(handshake, c);
            sessions.add(session);
            threads.add(session.threadId());
            sessionIds.add(session.sessionId());
        }
        c.check(threads.size() == connections, "Concurrent inits shared thread ids");
        c.check(sessionIds.size() == connections, "Concurrent inits shared session ids");
        List<CompletableFuture<Void>> pongs = new ArrayList<>();
        for (Session session : sessions) {
            pongs.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 5; i++) {
                    c.ping(session);
                    checkPong(c, session, c.awaitType(session.peer(), "pong", "a pong on a concurrent connection"));
                }
            }));
        }
        for (CompletableFuture<Void> pong : pongs) {
            joinCase(pong, c);
        }
    }

    private static <T> T joinCase(CompletableFuture<T> future, ServerContext c) throws Exception {
        try {
            return future.get(c.options().caseTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof CaseFailed failed) {
                throw failed;
            }
            throw e;
        }
    }

    static void stateUpdatesAccepted(ServerContext c) {
        Session s = c.handshake();
        JsonArray log = new JsonArray();
        log.add(object("t", new JsonPrimitive(1)));
        log.add(object("t", new JsonPrimitive(2)));
        Object[][] updates = {
            {"minimal", object("focus_level", new JsonPrimitive(0.8))},
            {"full", object("state", object("nested", new JsonPrimitive(true)))},
            {"delta", new JsonPrimitive(42)},
            {"lri_envelope_v1", log},
            {"affect_log", new JsonPrimitive("plain text data")},
            {"x-conformance_kind", new JsonArray()},
        };
        for (Object[] update : updates) {
            c.send(s, "state_update", stateUpdate((String) update[0], (JsonElement) update[1]), envelope -> { });
            c.expectAlive(s, "a state_update of kind " + update[0] + " with data " + update[1]);
        }
    }

    static void invalidStateUpdates(ServerContext c) {
        Session s = c.handshake();
        Object[][] variants = {
            {stateUpdate(null, new JsonObject()), "payload.kind", "a state_update without kind"},
            {stateUpdate("minimal", null), "payload.data", "a state_update without data"},
            {stateUpdate("", new JsonObject()), "payload.kind", "a state_update with an empty kind"},
        };
        for (Object[] variant : variants) {
            c.send(s, "state_update", (JsonObject) variant[0], envelope -> { });
            JsonObject error = c.expectError(s.peer(), "INVALID_STATE_UPDATE", (String) variant[2]);
            c.check(variant[1].equals(Json.string(Json.errorDetails(error), "field")), "details.field is "
                    + Json.errorDetails(error).get("field") + " after " + variant[2] + ", expected \"" + variant[1]
                    + "\"");
        }
        c.expectAlive(s, "INVALID_STATE_UPDATE errors");
    }

    static void invalidEvents(ServerContext c) {
        Session s = c.handshake();
        Object[][] variants = {
            {event(null, new JsonObject()), "payload.event_type", "an event without event_type"},
            {event("user_action", null), "payload.data", "an event without data"},
        };
        for (Object[] variant : variants) {
            c.send(s, "event", (JsonObject) variant[0], envelope -> { });
            JsonObject error = c.expectError(s.peer(), "MISSING_REQUIRED_FIELD", (String) variant[2]);
            c.check(variant[1].equals(Json.string(Json.errorDetails(error), "missing_field")),
                    "details.missing_field is " + Json.errorDetails(error).get("missing_field") + " after "
                            + variant[2] + ", expected \"" + variant[1] + "\"");
        }
        c.expectAlive(s, "MISSING_REQUIRED_FIELD errors");
    }
}
