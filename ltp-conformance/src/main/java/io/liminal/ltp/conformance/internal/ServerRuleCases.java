package io.liminal.ltp.conformance.internal;

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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
        checkEnvelope(c, s, c.expectAnyError(s.peer(), "an unhandled type"),
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
        checkPayloadForm(c, c.expectAnyError(s.peer(), "an unparseable message"));
        c.send(s, "conformance:unhandled", new JsonObject(), envelope -> { });
        checkPayloadForm(c, c.expectAnyError(s.peer(), "an unhandled type"));
        Peer fresh = c.open();
        fresh.send(c.init(c.newClientId(), "0.1").toString());
        checkPayloadForm(c, c.expectAnyError(fresh, "an unsupported version"));
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
        Peer early = c.open();
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

    /** LTP-ERR-005: after each open error the connection stays usable; which code each one has is its own case's. */
    static void openAfterErrors(ServerContext c) {
        Session s = c.handshake();
        s.peer().send("{oops");
        c.expectAnyError(s.peer(), "unparseable text");
        c.send(s, "conformance:unhandled", new JsonObject(), envelope -> { });
        c.expectAnyError(s.peer(), "an unhandled type");
        c.send(s, "state_update", stateUpdate(null, new JsonObject()), envelope -> { });
        c.expectAnyError(s.peer(), "a state_update without kind");
        c.send(s, "event", event(null, new JsonObject()), envelope -> { });
        c.expectAnyError(s.peer(), "an event without event_type");
        c.send(s, "ping", new JsonObject(), envelope -> envelope.addProperty("session_id", "stale"));
        c.expectAnyError(s.peer(), "a ping with a foreign session_id");
        c.send(s, "ping", new JsonObject(), envelope -> envelope.addProperty("thread_id", "elsewhere"));
        c.expectAnyError(s.peer(), "a ping with a foreign thread_id");
        c.send(s, "state_update", stateUpdate("minimal", object("ok", new JsonPrimitive(true))), envelope -> { });
        c.expectAlive(s, "six open errors and a valid state_update");
    }

    // ---- §7 Heartbeat ---------------------------------------------------------------------------------------------

    /** Skips unless waiting {@code needed} is allowed; says how to make it so. */
    private static void allowWait(ServerContext c, long interval, Duration needed) {
        if (needed.compareTo(c.options().maxHeartbeatWait()) > 0) {
            c.skip("The server's heartbeat interval is " + interval + " ms; checking needs " + needed.toSeconds()
                    + " s, more than the allowed " + c.options().maxHeartbeatWait().toSeconds()
                    + " s. Run it with --max-heartbeat-wait " + (needed.toSeconds() + 5) + "s, or give the server a"
                    + " short heartbeat for the test (ltp-server: LTP_HEARTBEAT_MS=1000).");
        }
    }

    /**
     * LTP-HB-003 while active: a message every 1.25 intervals, so a server that closes after less than 2 intervals of
     * silence (1 interval, say) is caught, while a correct one has 0.75 of an interval to spare. If the suite's own
     * pause overran (a loaded machine) and the gap reached 2 intervals, a close is no evidence: inconclusive.
     */
    static void noIdleCloseWhileActive(ServerContext c) {
        Session s = c.handshake();
        long interval = ServerContext.heartbeatMillis(s);
        long gap = interval * 5 / 4;
        allowWait(c, interval, Duration.ofMillis(4 * gap));
        long last = System.nanoTime();
        for (int sent = 1; sent <= 3; sent++) {
            c.pause(Duration.ofMillis(gap));
            long actualGap = (System.nanoTime() - last) / 1_000_000;
            if (s.peer().isClosed()) {
                if (actualGap >= 2 * interval) {
                    throw new CaseInconclusive("The suite's pause overran to " + actualGap + " ms (2 × interval is "
                            + 2 * interval + " ms), so the close proves nothing; the machine is too loaded");
                }
                c.fail("The server closed the connection " + actualGap + " ms after the last message, although the "
                        + "interval is " + interval + " ms (no inactivity close before " + 2 * interval + " ms)"
                        + closeOf(s.peer()));
            }
            // Not pings: any valid message counts as activity.
            c.send(s, "state_update", stateUpdate("minimal", object("beat", new JsonPrimitive(sent))),
                    envelope -> { });
            last = System.nanoTime();
        }
        c.expectAlive(s, "3 state_updates " + gap + " ms apart (heartbeat interval " + interval + " ms)");
    }

    /**
     * LTP-HB-003 in silence: no inactivity close before 2 intervals (the check allows the suite's and the server's
     * clocks to start up to half an interval apart); with idle_close declared, a close 1000 "heartbeat_timeout" by
     * about 2 intervals (the check allows one more).
     */
    static void idleSilence(ServerContext c) {
        Session s = c.handshake();
        long acked = System.nanoTime();
        long interval = ServerContext.heartbeatMillis(s);
        boolean declared = c.options().server().idleClose();
        // Undeclared, a close after 2 intervals is allowed (a MAY) and the case only needs to see that none came
        // early; declared, it waits for the close with an interval to spare.
        Duration wait = Duration.ofMillis(declared ? 3 * interval + 1000 : 2 * interval + 500);
        allowWait(c, interval, wait);
        Peer.Close close = s.peer().awaitClose(wait);
        long after = (System.nanoTime() - acked) / 1_000_000;
        if (close != null) {
            c.check(after >= interval * 3 / 2, "The server closed the connection after " + after + " ms of silence; "
                    + "the heartbeat interval is " + interval + " ms, and no inactivity close may come before "
                    + 2 * interval + " ms" + closeOf(s.peer()));
            c.expect(close.code() == 1000 && "heartbeat_timeout".equals(close.reason()), "The idle connection was "
                    + "closed " + close.code() + " \"" + close.reason() + "\", expected 1000 \"heartbeat_timeout\"");
        } else if (declared) {
            c.fail("The profile declares idle_close, but the connection was still open after " + after + " ms of "
                    + "silence (2 × interval is " + 2 * interval + " ms)");
        }
    }

    private static String closeOf(Peer peer) {
        Peer.Close close = peer.awaitClose(Duration.ZERO);
        return close == null ? "" : " (close " + close.code() + " \"" + close.reason() + "\")";
    }

    /**
     * LTP-HB-004 with a declared TTL T: pings for 1.2 T, then a resume straight after the disconnect must succeed
     * (a server whose idle clock ignores pings expired the thread at T), and another one half a T after that.
     */
    static void ttlRefreshedByPings(ServerContext c) {
        Duration ttl = c.options().server().threadTtl();
        if (ttl == null) {
            c.skip("Needs 30 minutes against the spec's default; declare the server's thread_ttl_ms in the profile "
                    + "(a few seconds for the test) to check it. Resuming after a disconnect is checked by "
                    + "LTP-HS-004.");
        }
        long t = ttl.toMillis();
        if (Duration.ofMillis(t * 2).compareTo(c.options().maxHeartbeatWait()) > 0) {
            c.skip("The declared thread TTL (" + t + " ms) needs " + 2 * t / 1000 + " s of waiting, more than "
                    + "--max-heartbeat-wait allows (" + c.options().maxHeartbeatWait().toSeconds() + " s)");
        }
        Session s = c.handshake();
        long end = System.nanoTime() + Duration.ofMillis(t * 6 / 5).toNanos();
        int pings = 0;
        while (System.nanoTime() < end) {
            c.pause(Duration.ofMillis(Math.max(50, t / 4)));
            c.ping(s);
            c.awaitType(s.peer(), "pong", "the pong to ping " + ++pings);
        }
        s.peer().close();
        Peer again = c.open();
        again.send(c.resumeFrame(s.clientId(), s.threadId()).toString());
        JsonObject answer = again.nextJson(c.options().replyTimeout(), "the ack to a resume after " + pings
                + " pings over 1.2 × the thread TTL of " + t + " ms");
        c.check("handshake_ack".equals(Json.type(answer)), "The thread was not resumable although pings kept it "
                + "active (last ping just before the disconnect, TTL " + t + " ms): got " + ServerContext.describe(answer)
                + " (the idle clock must count pings, A-16)");
        again.close();
        c.pause(Duration.ofMillis(t / 2));
        c.resume(c.open(), s.clientId(), s.threadId());
    }

    /**
     * LTP-ERR-005 with a declared rate limit: the message past it is answered RATE_LIMIT_EXCEEDED and the connection
     * stays open; pings stay exempt (A-13, a SHOULD: a warning).
     */
    static void rateLimitAnswered(ServerContext c) {
        int limit = c.options().server().rateLimitMessages();
        if (limit == 0) {
            c.skip("No rate limit is declared (rate_limit in the profile); an undeclared one that bites makes a "
                    + "case inconclusive instead.");
        }
        if (limit > 1000) {
            c.skip("The declared rate limit (" + limit + " messages) is too high to exceed within the case");
        }
        c.expectRateLimit();
        Session s = c.handshake();
        List<String> burst = new ArrayList<>();
        for (int i = 0; i <= limit; i++) {
            burst.add(c.text(c.envelope(s, "state_update", stateUpdate("minimal", object("n", new JsonPrimitive(i))))));
        }
        s.peer().sendAllUnpaced(burst);
        JsonObject error = c.expectError(s.peer(), "RATE_LIMIT_EXCEEDED", (limit + 1) + " state_updates at once "
                + "(declared limit " + limit + " per " + c.options().server().rateLimitWindow().toMillis() + " ms)");
        c.expect(Json.object(error, "payload") != null, "RATE_LIMIT_EXCEEDED has no payload");
        c.check(!s.peer().isClosed(), "The server closed the connection after RATE_LIMIT_EXCEEDED (an open error)");
        c.ping(s);
        long deadline = System.nanoTime() + c.options().replyTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            JsonObject next = s.peer().nextJsonOrNull(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
                    "a pong to a ping past the rate limit");
            if (next != null && "pong".equals(Json.type(next))) {
                return;
            }
        }
        c.check(!s.peer().isClosed(), "The server closed the connection after RATE_LIMIT_EXCEEDED (an open error)");
        c.warn("No pong to a ping sent past the rate limit: pings should be exempt (A-13)");
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
        Peer wrong = c.open();
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
