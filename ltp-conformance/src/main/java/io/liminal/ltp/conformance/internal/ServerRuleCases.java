package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.internal.ServerCases.MAX_MESSAGE_BYTES;
import static io.liminal.ltp.conformance.internal.ServerCases.MAX_STRING_BYTES;
import static io.liminal.ltp.conformance.internal.ServerMessageCases.event;
import static io.liminal.ltp.conformance.internal.ServerMessageCases.object;
import static io.liminal.ltp.conformance.internal.ServerMessageCases.stateUpdate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.conformance.internal.ServerContext.Session;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.security.EnvelopeSigner;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/** The server-role cases of §6 to §11: errors, heartbeat, content encoding, limits, security (see
 * {@link ServerCases}). */
final class ServerRuleCases {
    private ServerRuleCases() {
    }

    // ---- §6 Errors ------------------------------------------------------------------------------------------------

    static void envelopeFieldsAfterHandshake(ServerContext c) {
        Session s = c.handshake();
        c.ping(s);
        checkEnvelope(c, s, c.awaitType(s.peer(), "pong", "the pong to a ping"), "the pong");
        c.send(s, "conformance:unhandled", new JsonObject(), envelope -> { });
        checkEnvelope(c, s, c.expectError(s.peer(), "UNKNOWN_MESSAGE_TYPE", "an unhandled type"),
                "an error after the handshake");
    }

    /** §4 (LTP-ENV-001): the fields every envelope after the handshake carries, with this session's ids. */
    private static void checkEnvelope(ServerContext c, Session s, JsonObject message, String what) {
        c.expect(Json.string(message, "type") != null, what + " has no string type");
        c.expect(s.threadId().equals(Json.string(message, "thread_id")), what + " has thread_id "
                + message.get("thread_id") + ", expected \"" + s.threadId() + "\"");
        c.expect(s.sessionId().equals(Json.string(message, "session_id")), what + " has session_id "
                + message.get("session_id") + ", expected \"" + s.sessionId() + "\"");
        JsonElement timestamp = message.get("timestamp");
        c.expect(timestamp != null && timestamp.isJsonPrimitive() && timestamp.getAsJsonPrimitive().isNumber()
                && timestamp.getAsDouble() == Math.rint(timestamp.getAsDouble()),
                what + " has timestamp " + timestamp + ", expected integer epoch seconds");
        c.expect(Json.object(message, "payload") != null, what + " has no payload object");
    }

    static void payloadFormErrors(ServerContext c) {
        Session s = c.handshake();
        s.peer().send("{\"type\":");
        checkPayloadForm(c, c.expectError(s.peer(), "MALFORMED_MESSAGE", "an unparseable message"));
        c.send(s, "conformance:unhandled", new JsonObject(), envelope -> { });
        checkPayloadForm(c, c.expectError(s.peer(), "UNKNOWN_MESSAGE_TYPE", "an unhandled type"));
        WsPeer fresh = c.open();
        fresh.send(c.init(c.newClientId(), "0.1").toString());
        checkPayloadForm(c, c.expectError(fresh, "UNSUPPORTED_VERSION", "an unsupported version"));
    }

    private static void checkPayloadForm(ServerContext c, JsonObject error) {
        JsonObject payload = Json.object(error, "payload");
        c.check(payload != null, "The error has no payload object (top-level form only)");
        c.expect(Json.string(payload, "error_code") != null, "payload.error_code is missing or not a string");
        c.expect(Json.string(payload, "error_message") != null, "payload.error_message is missing or not a string");
        JsonElement details = payload.get("details");
        c.expect(details == null || details.isJsonObject() || details.isJsonNull(),
                "payload.details is not an object");
    }

    static void malformedMessages(ServerContext c) {
        WsPeer early = c.open();
        early.send("{not json");
        c.expectError(early, "MALFORMED_MESSAGE", "unparseable text before the handshake");
        Session s = c.handshake(early, c.newClientId());
        for (String input : new String[] {"{\"type\":\"ping\",", "[1,2,3]", "\"just a string\"", "42", "null",
                "{\"type\":\"ping\"} trailing"}) {
            s.peer().send(input);
            c.expectError(s.peer(), "MALFORMED_MESSAGE", "the input " + input);
        }
        c.expectAlive(s, "MALFORMED_MESSAGE errors");
    }

    static void errorNotAnswered(ServerContext c) {
        Session s = c.handshake();
        JsonObject payload = new JsonObject();
        payload.addProperty("error_code", "UNKNOWN_MESSAGE_TYPE");
        payload.addProperty("error_message", "A client-side error report");
        payload.add("details", new JsonObject());
        c.send(s, "error", payload, envelope -> { });
        JsonObject topLevel = new JsonObject();
        topLevel.addProperty("type", "error");
        topLevel.addProperty("error_code", "INTERNAL");
        topLevel.addProperty("error_message", "top-level form");
        topLevel.addProperty("timestamp", ServerContext.nowSeconds());
        s.peer().send(topLevel.toString());
        c.expectAlive(s, "errors sent by the client");
    }

    static void openAfterErrors(ServerContext c) {
        Session s = c.handshake();
        s.peer().send("{oops");
        c.expectError(s.peer(), "MALFORMED_MESSAGE", "unparseable text");
        c.send(s, "conformance:unhandled", new JsonObject(), envelope -> { });
        c.expectError(s.peer(), "UNKNOWN_MESSAGE_TYPE", "an unhandled type");
        c.send(s, "state_update", stateUpdate(null, new JsonObject()), envelope -> { });
        c.expectError(s.peer(), "INVALID_STATE_UPDATE", "a state_update without kind");
        c.send(s, "event", event(null, new JsonObject()), envelope -> { });
        c.expectError(s.peer(), "MISSING_REQUIRED_FIELD", "an event without event_type");
        c.send(s, "ping", new JsonObject(), envelope -> envelope.addProperty("session_id", "stale"));
        c.expectError(s.peer(), "SESSION_EXPIRED", "a ping with a foreign session_id");
        c.send(s, "ping", new JsonObject(), envelope -> envelope.addProperty("thread_id", "elsewhere"));
        c.expectError(s.peer(), "UNKNOWN_THREAD", "a ping with a foreign thread_id");
        c.send(s, "state_update", stateUpdate("minimal", object("ok", new JsonPrimitive(true))), envelope -> { });
        c.expectAlive(s, "six open errors and a valid state_update");
    }

    // ---- §7 Heartbeat ---------------------------------------------------------------------------------------------

    static void noIdleCloseWhileActive(ServerContext c) {
        Session s = c.handshake();
        long interval = s.ack().get("heartbeat_interval_ms").getAsLong();
        Duration needed = Duration.ofMillis(3 * interval);
        if (needed.compareTo(c.options().maxHeartbeatWait()) > 0) {
            c.skip("The server's heartbeat interval is " + interval + " ms; checking needs " + needed.toSeconds()
                    + " s, more than the allowed " + c.options().maxHeartbeatWait().toSeconds()
                    + " s. Run it with --max-heartbeat-wait " + (needed.toSeconds() + 5) + "s, or give the server a"
                    + " short heartbeat for the test (ltp-server: LTP_HEARTBEAT_MS=1000).");
        }
        long end = System.currentTimeMillis() + needed.toMillis();
        int sent = 0;
        while (System.currentTimeMillis() < end) {
            c.pause(Duration.ofMillis(interval / 2));
            c.check(!s.peer().isClosed(), "The server closed the connection although a message arrived every "
                    + interval / 2 + " ms (interval " + interval + " ms)");
            // Not pings: any valid message counts as activity.
            c.send(s, "state_update", stateUpdate("minimal", object("beat", new JsonPrimitive(++sent))),
                    envelope -> { });
        }
        c.expectAlive(s, sent + " state_updates over 3 heartbeat intervals");
    }

    // ---- §9 Content encoding --------------------------------------------------------------------------------------

    static void contentEncodingDefault(ServerContext c) {
        Session s = c.handshake();
        c.send(s, "state_update", stateUpdate("minimal", object("a", new JsonPrimitive(1))), envelope -> { });
        c.expectAlive(s, "a state_update without content_encoding");
        c.send(s, "state_update", stateUpdate("minimal", object("a", new JsonPrimitive(1))),
                envelope -> envelope.addProperty("content_encoding", "json"));
        c.expectAlive(s, "a state_update with content_encoding json");
        c.send(s, "state_update", stateUpdate("minimal", object("a", new JsonPrimitive(1))),
                envelope -> envelope.addProperty("content_encoding", "xml"));
        c.expectError(s.peer(), "MALFORMED_MESSAGE", "content_encoding \"xml\"");
        c.expectAlive(s, "an unknown content_encoding");
    }

    static void toonData(ServerContext c) {
        Session s = c.handshake();
        String toon = "affect_log[3]{t,valence,arousal}:\n  1,0.2,-0.1\n  2,0.3,-0.2\n  3,0.1,0.0\n";
        c.send(s, "state_update", stateUpdate("affect_log_v1", new JsonPrimitive(toon)),
                envelope -> envelope.addProperty("content_encoding", "toon"));
        c.expectAlive(s, "a TOON state_update");
        c.send(s, "state_update", stateUpdate("affect_log_v1", object("not", new JsonPrimitive("a string"))),
                envelope -> envelope.addProperty("content_encoding", "toon"));
        c.expectError(s.peer(), "INVALID_STATE_UPDATE", "a TOON state_update whose data is an object");
        c.expectAlive(s, "INVALID_STATE_UPDATE for TOON");
    }

    // ---- §10 Limits -----------------------------------------------------------------------------------------------

    /** A state_update whose whole text is {@code targetBytes} long, data split into strings within the limit. */
    private static JsonObject sizedUpdate(ServerContext c, Session s, int targetBytes) {
        JsonObject envelope = c.envelope(s, "state_update", stateUpdate("minimal", new JsonArray()));
        if (c.options().signingSecret() != null) {
            envelope.addProperty("signature", "0".repeat(64));
        }
        JsonArray data = envelope.getAsJsonObject("payload").getAsJsonArray("data");
        int size = envelope.toString().length();
        int chunk = 60_000;
        while (size + chunk + 3 <= targetBytes) {
            data.add("a".repeat(chunk));
            size += chunk + 3;
        }
        int rest = targetBytes - size - 3;
        if (rest > 0) {
            data.add("b".repeat(rest));
        }
        if (c.options().signingSecret() != null) {
            envelope.remove("signature");
        }
        return envelope;
    }

    static JsonObject nested(int depth) {
        JsonObject payload = new JsonObject();
        payload.addProperty("kind", "minimal");
        // payload is depth 1; data is depth 2, each further object one more.
        JsonObject current = new JsonObject();
        payload.add("data", current);
        for (int level = 3; level <= depth; level++) {
            JsonObject inner = new JsonObject();
            current.add("level_" + level, inner);
            current = inner;
        }
        return payload;
    }

    static void withinLimits(ServerContext c) {
        Session s = c.handshake();
        JsonObject big = sizedUpdate(c, s, MAX_MESSAGE_BYTES - 200);
        c.send(s, big);
        c.expectAlive(s, "a state_update of " + c.text(big).length() + " bytes");
        c.send(s, "state_update", nested(10), envelope -> { });
        c.expectAlive(s, "a payload of depth 10");
        c.send(s, "state_update", stateUpdate("minimal", object("text",
                new JsonPrimitive("é".repeat(MAX_STRING_BYTES / 2)))), envelope -> { });
        c.expectAlive(s, "a string of 65,536 UTF-8 bytes");
    }

    static void beyondLimits(ServerContext c) {
        Session s = c.handshake();
        JsonObject big = sizedUpdate(c, s, MAX_MESSAGE_BYTES + 50_000);
        c.send(s, big);
        JsonObject error = c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a message of about 1.1 MB");
        JsonObject details = Json.errorDetails(error);
        c.check(Json.isInteger(details, "size_bytes") && Json.isInteger(details, "max_bytes"),
                "MESSAGE_TOO_LARGE details lack integer size_bytes and max_bytes: " + details);
        c.send(s, "state_update", nested(11), envelope -> { });
        c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a payload of depth 11");
        c.send(s, "state_update", stateUpdate("minimal", object("text",
                new JsonPrimitive("x".repeat(MAX_STRING_BYTES + 1)))), envelope -> { });
        c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a string of 65,537 bytes");
        c.expectAlive(s, "MESSAGE_TOO_LARGE errors");
    }

    // ---- §11 Security ---------------------------------------------------------------------------------------------

    static void nonces(ServerContext c) {
        Session s = c.handshake();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            c.ping(s);
            JsonObject pong = c.awaitType(s.peer(), "pong", "pong " + (i + 1));
            String nonce = Json.string(pong, "nonce");
            c.check(nonce != null && !nonce.isEmpty(), "A pong has no nonce");
            c.check(seen.add(nonce), "Nonce " + nonce + " was repeated within the session");
        }
        String sample = seen.iterator().next();
        String random = sample.substring(sample.lastIndexOf('-') + 1);
        if (random.matches("[0-9a-fA-F]+") && random.length() < 16) {
            c.warn("The nonce's random part (" + random + ") has fewer than 64 bits if it is hex");
        }
    }

    static void signatureNotChecked(ServerContext c) {
        if (c.options().signingSecret() != null) {
            c.skip("The run has a signing secret: the server has the extension on, where signatures are checked.");
        }
        Session s = c.handshake();
        c.send(s, "ping", new JsonObject(), envelope -> {
            envelope.remove("nonce");
            envelope.addProperty("signature", "v0-placeholder");
        });
        c.awaitType(s.peer(), "pong", "the pong to a ping without a nonce");
        c.send(s, "state_update", stateUpdate("minimal", new JsonObject()),
                envelope -> envelope.addProperty("signature", "definitely-not-a-valid-signature"));
        c.expectAlive(s, "a state_update with an arbitrary signature");
    }

    private static void requireSecret(ServerContext c) {
        if (c.options().signingSecret() == null) {
            c.skip("The HMAC extension is optional; pass the server's secret (--signing-secret) to check it.");
        }
    }

    static void serverSignatures(ServerContext c) {
        requireSecret(c);
        Session s = c.handshake();
        c.ping(s);
        JsonObject pong = c.awaitType(s.peer(), "pong", "a signed pong");
        c.check(Json.string(pong, "signature") != null, "The pong is not signed");
        try {
            Envelope envelope = (Envelope) LtpCodec.standard().decode(pong.toString());
            EnvelopeSigner.hmacSha256(c.options().signingSecret()).verify(envelope);
        } catch (RuntimeException e) {
            c.fail("The pong's signature does not verify: " + e.getMessage());
        }
    }

    static void wrongSignature(ServerContext c) {
        requireSecret(c);
        Session s = c.handshake();
        JsonObject envelope = c.envelope(s, "state_update", stateUpdate("minimal", new JsonObject()));
        envelope.addProperty("signature", "0".repeat(64));
        s.peer().send(envelope.toString());
        c.expectError(s.peer(), "INVALID_SIGNATURE", "a state_update with a wrong signature");
        c.expectAlive(s, "INVALID_SIGNATURE");
    }

    private static void requireReplayProtection(ServerContext c) {
        if (!c.options().replayProtection()) {
            c.skip("Replay protection is optional; pass --replay-protection if the server has it on.");
        }
    }

    static void replayedNonce(ServerContext c) {
        requireReplayProtection(c);
        Session s = c.handshake();
        JsonObject envelope = c.envelope(s, "state_update", stateUpdate("minimal", new JsonObject()));
        String text = c.text(envelope);
        s.peer().send(text);
        c.expectAlive(s, "the first use of a nonce");
        s.peer().send(text);
        c.expectError(s.peer(), "INVALID_NONCE", "the same envelope (same nonce) again");
    }

    static void timestampDrift(ServerContext c) {
        requireReplayProtection(c);
        Session s = c.handshake();
        c.send(s, "state_update", stateUpdate("minimal", new JsonObject()),
                envelope -> envelope.addProperty("timestamp", ServerContext.nowSeconds() - 120));
        c.expectError(s.peer(), "MESSAGE_TOO_OLD", "a timestamp 120 s old");
        c.send(s, "state_update", stateUpdate("minimal", new JsonObject()),
                envelope -> envelope.addProperty("timestamp", ServerContext.nowSeconds() + 60));
        c.expectError(s.peer(), "INVALID_TIMESTAMP", "a timestamp 60 s ahead");
        c.expectAlive(s, "timestamp errors");
    }

    static void authToken(ServerContext c) {
        String token = c.options().authToken();
        if (token == null) {
            c.skip("Authentication is optional; pass a token the server accepts (--token) to check it.");
        }
        Session s = c.handshake();
        s.peer().close();
        Session resumed = c.resume(c.open(), s.clientId(), s.threadId());
        c.expectAlive(resumed, "a resume carrying the token");
        WsPeer wrong = c.open();
        JsonObject init = c.init(c.newClientId(), "0.3");
        init.getAsJsonObject("metadata").addProperty("auth_token", token + "-wrong");
        wrong.send(init.toString());
        c.expectError(wrong, "INVALID_CLIENT_ID", "an init with a wrong token");
        c.expectClose(wrong, 1008, "a wrong token");
        for (String line : c.evidence().lines()) {
            if (line.contains(" < ")) {
                c.check(!line.contains(token), "The server echoed the auth token: " + line);
            }
        }
    }
}
