package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.Level.MUST;
import static io.liminal.ltp.conformance.Level.SHOULD;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.conformance.internal.ClientContext.Received;
import io.liminal.ltp.conformance.internal.ClientContext.Session;
import io.liminal.ltp.conformance.internal.ScriptedServer.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The client-role cases: every client-side (C) and both-sides (B) item of the spec's checklist (§13) that a
 * scripted server can observe. The server announces a short heartbeat interval (option {@code clientHeartbeatMs},
 * 500 ms by default) so that the heartbeat cases stay quick.
 */
public final class ClientCases {
    /** How much later than required a timed action of the client may come (scheduling, process start). */
    private static final long TOLERANCE_MS = 250;

    private ClientCases() {
    }

    /** Every client-role case, in checklist order. */
    public static List<Case<ClientContext>> all() {
        List<Case<ClientContext>> cases = new ArrayList<>();
        cases.add(new Case<>("LTP-TR-001", "offers the ltp.v0.3 subprotocol", MUST, ClientCases::offersSubprotocol));
        cases.add(new Case<>("LTP-TR-003", "sends one JSON object per text message", MUST,
                ClientCases::textJsonObjects));
        cases.add(new Case<>("LTP-HS-001", "opens with handshake_init (0.3, non-empty client_id) when it has no thread",
                MUST, ClientCases::initFirst));
        cases.add(new Case<>("LTP-HS-002", "resumes its stored thread after a restart and after a lost connection",
                MUST, ClientCases::resumesStoredThread));
        cases.add(new Case<>("LTP-HS-013", "persists the ids of every ack, also a resume ack naming a new thread", MUST,
                ClientCases::persistsEveryAck));
        cases.add(new Case<>("LTP-HS-014", "after a reject, forgets the thread and sends handshake_init", MUST,
                ClientCases::reinitAfterReject));
        cases.add(new Case<>("LTP-HS-014", "after a reject with suggest_new:false, closes 1000 and gives up", MUST,
                ClientCases::givesUpWhenNotSuggested));
        cases.add(new Case<>("LTP-HS-015", "sends no envelope before the handshake_ack", MUST,
                ClientCases::nothingBeforeAck));
        cases.add(new Case<>("LTP-HS-016", "accepts an ack with ltp_version 0.2", MUST, ClientCases::acceptsV2Ack));
        cases.add(new Case<>("LTP-ENV-001", "sends type, ids, epoch-second timestamp and payload in every envelope",
                MUST, ClientCases::envelopeFields));
        cases.add(new Case<>("LTP-ENV-002", "ignores unknown fields at top level, in meta and in payload", MUST,
                ClientCases::ignoresUnknownFields));
        cases.add(new Case<>("LTP-ENV-003", "accepts any affect and context_tag values", MUST,
                ClientCases::acceptsAnyAffect));
        cases.add(new Case<>("LTP-ENV-009", "ignores unknown message types without closing", MUST,
                ClientCases::ignoresUnknownTypes));
        cases.add(new Case<>("LTP-ERR-002", "accepts payload-form and top-level-form errors without disconnecting",
                MUST, ClientCases::acceptsBothErrorForms));
        cases.add(new Case<>("LTP-ERR-004", "does not answer an error with an error", MUST,
                ClientCases::noErrorForError));
        cases.add(new Case<>("LTP-HB-001", "pings at intervals not exceeding heartbeat_interval_ms", MUST,
                ClientCases::pingCadence));
        cases.add(new Case<>("LTP-HB-002", "closes 1000 and reconnects when pongs stop", MUST,
                ClientCases::pongTimeout));
        cases.add(new Case<>("LTP-RC-001", "retries after 1, 2, 4, 8, 16 s, then fails permanently", MUST,
                ClientCases::backoffSchedule, Duration.ofSeconds(120), false));
        cases.add(new Case<>("LTP-RC-001", "reconnects at once after 1001 going away", SHOULD,
                ClientCases::reconnectsAfterGoingAway));
        cases.add(new Case<>("LTP-RC-002", "resets the retry counter on each ack", MUST, ClientCases::counterResets,
                Duration.ofSeconds(60), false));
        cases.add(new Case<>("LTP-RC-002", "never reconnects after its own disconnect", MUST,
                ClientCases::noReconnectAfterStop));
        cases.add(new Case<>("LTP-RC-002", "never reconnects after a permanent handshake failure", MUST,
                ClientCases::noReconnectAfterPermanentFailure));
        cases.add(new Case<>("LTP-RC-002", "does not reconnect after 1000 session_superseded", SHOULD,
                ClientCases::noReconnectWhenSuperseded));
        cases.add(new Case<>("LTP-ENC-001", "accepts state_update without content_encoding", MUST,
                ClientCases::acceptsPlainJson));
        cases.add(new Case<>("LTP-LIM-001", "accepts a 1 MiB message with payload depth 10 and a 64 KiB string", MUST,
                ClientCases::acceptsLimits));
        cases.add(new Case<>("LTP-SEC-001", "puts a unique nonce on every envelope", MUST, ClientCases::nonces));
        cases.add(new Case<>("LTP-SEC-002", "does not reject a signature value or a missing nonce", MUST,
                ClientCases::signatureNotChecked));
        return List.copyOf(cases);
    }

    private static Duration heartbeat(ClientContext c) {
        return Duration.ofMillis(c.options().clientHeartbeatMs());
    }

    /** The client keeps pinging (a ping arrives within two intervals); fails otherwise. */
    private static void expectStillPinging(ClientContext c, Session s, String after) {
        List<Received> received = c.serve(s, heartbeat(c).multipliedBy(2).plusMillis(TOLERANCE_MS), true);
        c.check(!s.connection().isClosed(), "The client closed the connection after " + after);
        c.check(!ClientContext.ofType(received, "ping").isEmpty(), "The client stopped pinging after " + after);
        for (Received message : received) {
            c.check(!"error".equals(Json.type(message.json())), "The client sent an error after " + after);
        }
    }

    // ---- Transport and handshake -----------------------------------------------------------------------------------

    private static void offersSubprotocol(ClientContext c) {
        c.startClient();
        Connection connection = c.awaitConnection("first start");
        c.check(connection.offeredSubprotocols().contains("ltp.v0.3"), "The client offered "
                + connection.offeredSubprotocols() + ", not ltp.v0.3");
    }

    private static void textJsonObjects(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        // serve() fails on a binary frame or anything that is not one JSON object.
        List<Received> received = c.serve(s, heartbeat(c).multipliedBy(3), true);
        c.check(!received.isEmpty(), "The client sent nothing after the ack in 3 heartbeat intervals");
    }

    private static void initFirst(ClientContext c) {
        c.startClient();
        JsonObject handshake = c.awaitHandshake(c.awaitConnection("first start"));
        c.check("handshake_init".equals(Json.type(handshake)), "A client without a stored thread sent "
                + Json.type(handshake));
        c.check("0.3".equals(Json.string(handshake, "ltp_version")), "ltp_version is " + handshake.get("ltp_version"));
        String clientId = Json.string(handshake, "client_id");
        c.check(clientId != null && !clientId.isEmpty(), "client_id is missing or empty");
    }

    private static Session firstSession(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        c.check("handshake_init".equals(Json.type(s.handshake())), "A fresh client sent "
                + Json.type(s.handshake()));
        c.serve(s, heartbeat(c), true);
        return s;
    }

    private static void expectResume(ClientContext c, JsonObject handshake, String threadId, String clientId,
            String when) {
        c.check("handshake_resume".equals(Json.type(handshake)), when + ", the client sent " + Json.type(handshake)
                + " instead of handshake_resume");
        c.check(threadId.equals(Json.string(handshake, "thread_id")), when + ", the client resumed "
                + handshake.get("thread_id") + " instead of " + threadId);
        c.check(clientId.equals(Json.string(handshake, "client_id")), when + ", the client_id changed from "
                + clientId + " to " + handshake.get("client_id"));
    }

    private static void resumesStoredThread(ClientContext c) {
        Session first = firstSession(c);
        c.stopClient();
        c.startClient();
        Connection restarted = c.awaitConnection("restart");
        JsonObject resume = c.awaitHandshake(restarted);
        expectResume(c, resume, first.threadId(), first.clientId(), "After a restart");
        String session = UUID.randomUUID().toString();
        c.ack(restarted, "0.3", first.threadId(), session, true);
        Session second = new Session(restarted, resume, first.threadId(), session);
        c.serve(second, heartbeat(c), true);
        restarted.drop();
        Connection reconnected = c.awaitConnection("reconnect after a dropped connection");
        expectResume(c, c.awaitHandshake(reconnected), first.threadId(), first.clientId(),
                "After a dropped connection");
    }

    private static void persistsEveryAck(ClientContext c) {
        Session first = firstSession(c);
        c.stopClient();
        c.startClient();
        Connection restarted = c.awaitConnection("restart");
        JsonObject resume = c.awaitHandshake(restarted);
        expectResume(c, resume, first.threadId(), first.clientId(), "After a restart");
        // resumed:false after a resume: the server replaced the thread; the client must store the new one.
        String replacement = UUID.randomUUID().toString();
        c.ack(restarted, "0.3", replacement, UUID.randomUUID().toString(), false);
        c.serve(new Session(restarted, resume, replacement, "unused"), heartbeat(c), true);
        c.stopClient();
        c.startClient();
        expectResume(c, c.awaitHandshake(c.awaitConnection("second restart")), replacement, first.clientId(),
                "After an ack with resumed:false and a new thread, then a restart");
    }

    private static void reinitAfterReject(ClientContext c) {
        Session first = firstSession(c);
        c.stopClient();
        c.startClient();
        Connection connection = c.awaitConnection("restart");
        expectResume(c, c.awaitHandshake(connection), first.threadId(), first.clientId(), "After a restart");
        c.reject(connection, "thread_not_found", true);
        JsonObject init = c.next(connection, c.options().replyTimeout(), "handshake_init after the reject");
        c.check("handshake_init".equals(Json.type(init)), "After handshake_reject with suggest_new:true the client "
                + "sent " + Json.type(init) + " instead of handshake_init on the same connection");
        c.check(first.clientId().equals(Json.string(init, "client_id")), "The client_id changed after the reject");
        String replacement = UUID.randomUUID().toString();
        c.ack(connection, "0.3", replacement, UUID.randomUUID().toString(), false);
        c.serve(new Session(connection, init, replacement, "unused"), heartbeat(c), true);
        c.stopClient();
        c.startClient();
        expectResume(c, c.awaitHandshake(c.awaitConnection("restart after the new thread")), replacement,
                first.clientId(), "After the rejected thread was replaced");
    }

    private static void givesUpWhenNotSuggested(ClientContext c) {
        Session first = firstSession(c);
        c.stopClient();
        c.startClient();
        Connection connection = c.awaitConnection("restart");
        expectResume(c, c.awaitHandshake(connection), first.threadId(), first.clientId(), "After a restart");
        c.reject(connection, "forbidden", false);
        Peer.Close close = connection.awaitClose(c.options().replyTimeout());
        c.check(close != null, "The client did not close the connection after a reject with suggest_new:false");
        c.check(close.code() == 1000, "The client closed with " + close.code() + ", expected 1000");
        Connection again = c.nextConnection(Duration.ofSeconds(3));
        c.check(again == null, "The client reconnected after a permanent handshake failure");
        c.stopClient();
        c.startClient();
        JsonObject handshake = c.awaitHandshake(c.awaitConnection("restart after the reject"));
        c.check("handshake_init".equals(Json.type(handshake)), "The client kept the rejected thread: after a "
                + "restart it sent " + Json.type(handshake));
    }

    private static void nothingBeforeAck(ClientContext c) {
        c.startClient();
        Connection connection = c.awaitConnection("first start");
        JsonObject init = c.awaitHandshake(connection);
        Peer.Message early = connection.next(Duration.ofMillis(1500));
        c.check(early == null, "The client sent a message before the ack: " + (early == null ? "" : early.text()));
        String thread = UUID.randomUUID().toString();
        String session = UUID.randomUUID().toString();
        c.ack(connection, "0.3", thread, session, false);
        c.serve(new Session(connection, init, thread, session), heartbeat(c), true);
    }

    private static void acceptsV2Ack(ClientContext c) {
        c.startClient();
        Connection connection = c.awaitConnection("first start");
        JsonObject init = c.awaitHandshake(connection);
        String thread = UUID.randomUUID().toString();
        String session = UUID.randomUUID().toString();
        c.ack(connection, "0.2", thread, session, false);
        expectStillPinging(c, new Session(connection, init, thread, session), "an ack with ltp_version 0.2");
    }

    // ---- Envelopes and errors --------------------------------------------------------------------------------------

    private static void envelopeFields(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        List<Received> received = c.serve(s, heartbeat(c).multipliedBy(3).plusMillis(TOLERANCE_MS), true);
        List<Received> envelopes = received.stream().filter(r -> !String.valueOf(Json.type(r.json()))
                .startsWith("handshake_")).toList();
        c.check(!envelopes.isEmpty(), "The client sent no envelope (not even a ping) in 3 heartbeat intervals");
        for (Received envelope : envelopes) {
            JsonObject json = envelope.json();
            String type = Json.type(json);
            c.check(type != null, "An envelope has no string type");
            c.check(s.threadId().equals(Json.string(json, "thread_id")), type + " thread_id is "
                    + json.get("thread_id"));
            c.check(s.sessionId().equals(Json.string(json, "session_id")), type + " session_id is "
                    + json.get("session_id"));
            c.check(Json.isInteger(json, "timestamp"), type + " timestamp is not an integer: " + json.get("timestamp"));
            long drift = Math.abs(json.get("timestamp").getAsLong() - ServerContext.nowSeconds());
            c.check(drift < 300, type + " timestamp is not epoch seconds near now: " + json.get("timestamp"));
            c.check(json.get("payload") != null && json.get("payload").isJsonObject(), type
                    + " has no payload object");
        }
    }

    private static void sendOddMessages(Session s) {
        s.connection().send(ClientContext.envelope("conformance:unknown_type", s.threadId(), s.sessionId(),
                new JsonObject()));
        s.connection().send(ClientContext.envelope("made_up_type", s.threadId(), s.sessionId(), new JsonObject()));
    }

    private static void ignoresUnknownTypes(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        c.serve(s, heartbeat(c), true);
        sendOddMessages(s);
        expectStillPinging(c, s, "messages of unknown types");
    }

    private static void ignoresUnknownFields(ClientContext c) {
        Session s = servedSession(c);
        JsonObject update = deltaUpdate(s);
        update.getAsJsonObject("payload").addProperty("x_payload_field", "from a later version");
        update.addProperty("x_top_level_field", 7);
        JsonObject meta = new JsonObject();
        meta.addProperty("x_meta_field", true);
        update.add("meta", meta);
        s.connection().send(update);
        JsonObject event = new JsonObject();
        event.addProperty("event_type", "notice");
        event.add("data", new JsonObject());
        event.add("x_payload_field", new JsonArray());
        JsonObject eventEnvelope = ClientContext.envelope("event", s.threadId(), s.sessionId(), event);
        eventEnvelope.add("x_top_level_field", new JsonObject());
        s.connection().send(eventEnvelope);
        expectStillPinging(c, s, "a state_update and an event with unknown fields");
    }

    private static void acceptsAnyAffect(ClientContext c) {
        Session s = servedSession(c);
        JsonObject update = deltaUpdate(s);
        JsonObject meta = new JsonObject();
        JsonObject affect = new JsonObject();
        affect.addProperty("valence", 42); // no range checks: far outside -1..1
        affect.addProperty("arousal", -7.5);
        affect.addProperty("x_mood", "unlisted");
        meta.add("affect", affect);
        meta.addProperty("context_tag", "\u00e9v\u00e9nement \u2014 not an enum value");
        update.add("meta", meta);
        s.connection().send(update);
        expectStillPinging(c, s, "a state_update with affect values out of any range and a free-form context_tag");
    }

    private static void signatureNotChecked(ClientContext c) {
        Session s = servedSession(c);
        JsonObject update = deltaUpdate(s);
        update.remove("nonce");
        update.addProperty("signature", "v0-server-placeholder");
        s.connection().send(update);
        expectStillPinging(c, s, "a state_update without a nonce and with a placeholder signature");
    }

    private static void sendErrors(Session s) {
        s.connection().send(ClientContext.error("RATE_LIMIT_EXCEEDED", "Too many messages", s.threadId(),
                s.sessionId()));
        JsonObject topLevel = new JsonObject();
        topLevel.addProperty("type", "error");
        topLevel.addProperty("error_code", "UNKNOWN_MESSAGE_TYPE");
        topLevel.addProperty("error_message", "top-level form");
        topLevel.addProperty("timestamp", ServerContext.nowSeconds());
        s.connection().send(topLevel);
        s.connection().send(ClientContext.error("SOMETHING_NEW", "A code the client cannot know", null, null));
    }

    private static void acceptsBothErrorForms(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        c.serve(s, heartbeat(c), true);
        sendErrors(s);
        List<Received> received = c.serve(s, heartbeat(c).multipliedBy(2).plusMillis(TOLERANCE_MS), true);
        c.check(!s.connection().isClosed(), "The client disconnected after receiving errors");
        c.check(!ClientContext.ofType(received, "ping").isEmpty(), "The client stopped pinging after errors");
    }

    private static void noErrorForError(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        c.serve(s, heartbeat(c), true);
        sendErrors(s);
        sendOddMessages(s);
        List<Received> received = c.serve(s, heartbeat(c).multipliedBy(2), true);
        c.check(ClientContext.ofType(received, "error").isEmpty(), "The client answered with an error");
    }

    // ---- Heartbeat ------------------------------------------------------------------------------------------------

    private static void pingCadence(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        long ackAt = System.nanoTime();
        long interval = c.options().clientHeartbeatMs();
        List<Received> pings = ClientContext.ofType(c.serve(s, Duration.ofMillis(interval * 6 + TOLERANCE_MS), true),
                "ping");
        c.check(pings.size() >= 5, "Only " + pings.size() + " pings in 6 heartbeat intervals of " + interval + " ms");
        long previous = ackAt;
        for (Received ping : pings) {
            long gapMs = (ping.atNanos() - previous) / 1_000_000;
            c.check(gapMs <= interval + TOLERANCE_MS, "A ping came " + gapMs + " ms after the previous one (or the "
                    + "ack); the interval is " + interval + " ms");
            previous = ping.atNanos();
        }
    }

    private static void pongTimeout(ClientContext c) {
        c.startClient();
        Connection connection = c.awaitConnection("first start");
        JsonObject init = c.awaitHandshake(connection);
        String thread = UUID.randomUUID().toString();
        long interval = c.options().clientHeartbeatMs();
        c.ack(connection, "0.3", thread, UUID.randomUUID().toString(), false);
        long ackAt = System.nanoTime();
        Session s = new Session(connection, init, thread, "unused");
        long timeout = 3 * interval;
        c.serve(s, Duration.ofMillis(timeout + 2_000), false);
        c.check(connection.isClosed(), "No pong for " + (timeout + 2_000) + " ms and the client did not close (pong "
                + "timeout by default 3 × " + interval + " ms)");
        Peer.Close close = connection.awaitClose(Duration.ZERO);
        long closedAfter = (connection.closedNanos() - ackAt) / 1_000_000;
        c.check(close.code() == 1000, "The client closed with " + close.code() + " on a pong timeout, expected 1000");
        c.check(closedAfter >= interval, "The client closed " + closedAfter + " ms after the ack, before even one "
                + "heartbeat interval passed");
        expectResume(c, c.awaitHandshake(c.awaitConnection("reconnect after the pong timeout")), thread,
                Json.string(init, "client_id"), "After a pong timeout");
    }

    // ---- Reconnect ------------------------------------------------------------------------------------------------

    /** Waits for the next attempt and checks how long after {@code since} it came. */
    private static Connection expectRetryAfter(ClientContext c, long since, long nominalMs, int retry) {
        long lower = (long) (nominalMs * 0.75);
        long upper = (long) (nominalMs * 1.25) + 500;
        Connection next = c.nextConnection(Duration.ofMillis(upper + 2_000));
        c.check(next != null, "Retry " + retry + " did not come within " + (upper + 2_000) + " ms (expected after "
                + nominalMs + " ms)");
        long afterMs = (next.openedNanos() - since) / 1_000_000;
        c.check(afterMs >= lower && afterMs <= upper, "Retry " + retry + " came after " + afterMs + " ms; expected "
                + nominalMs + " ms (" + lower + "–" + upper + ")");
        return next;
    }

    /** Fails the attempt before the ack: the client sends its handshake, the server closes 1011. */
    private static long failAttempt(ClientContext c, Connection connection) {
        c.awaitHandshake(connection);
        connection.close(1011, "conformance: failing this attempt");
        return connection.closedNanos();
    }

    private static void backoffSchedule(ClientContext c) {
        Session s = firstSession(c);
        s.connection().close(1011, "conformance: unexpected close");
        long since = s.connection().closedNanos();
        long[] delays = c.options().fullReconnectSchedule() ? new long[] {1_000, 2_000, 4_000, 8_000, 16_000}
                : new long[] {1_000, 2_000, 4_000};
        for (int retry = 0; retry < delays.length; retry++) {
            Connection attempt = expectRetryAfter(c, since, delays[retry], retry);
            since = failAttempt(c, attempt);
        }
        if (c.options().fullReconnectSchedule()) {
            // A 6th retry would come after min(1000 × 2^5, 30000) = 30 s.
            Connection extra = c.nextConnection(Duration.ofSeconds(35));
            c.check(extra == null, "The client retried a 6th time; it must fail permanently after 5 failed retries");
        }
    }

    private static void reconnectsAfterGoingAway(ClientContext c) {
        Session s = firstSession(c);
        s.connection().close(1001, "server restarting");
        long since = s.connection().closedNanos();
        Connection next = c.nextConnection(Duration.ofSeconds(3));
        c.check(next != null, "The client did not reconnect within 3 s after 1001");
        long afterMs = (next.openedNanos() - since) / 1_000_000;
        c.check(afterMs < 500, "The client waited " + afterMs + " ms after 1001; it should reconnect at once");
    }

    private static void counterResets(ClientContext c) {
        Session s = firstSession(c);
        s.connection().close(1011, "conformance: unexpected close");
        long since = s.connection().closedNanos();
        Connection attempt = expectRetryAfter(c, since, 1_000, 0);
        since = failAttempt(c, attempt);
        attempt = expectRetryAfter(c, since, 2_000, 1);
        JsonObject resume = c.awaitHandshake(attempt);
        c.ack(attempt, "0.3", s.threadId(), UUID.randomUUID().toString(), true);
        c.serve(new Session(attempt, resume, s.threadId(), "unused"), heartbeat(c), true);
        attempt.close(1011, "conformance: unexpected close after a successful ack");
        expectRetryAfter(c, attempt.closedNanos(), 1_000, 0);
    }

    private static void noReconnectAfterStop(ClientContext c) {
        firstSession(c);
        c.stopClient();
        Connection again = c.nextConnection(Duration.ofSeconds(3));
        c.check(again == null, "The client reconnected after its own disconnect");
    }

    private static void noReconnectAfterPermanentFailure(ClientContext c) {
        c.startClient();
        Connection connection = c.awaitConnection("first start");
        c.awaitHandshake(connection);
        JsonObject error = ClientContext.error("UNSUPPORTED_VERSION", "LTP version is not supported", null, null);
        JsonArray versions = new JsonArray();
        versions.add("0.3");
        versions.add("0.2");
        error.getAsJsonObject("payload").getAsJsonObject("details").add("supported_versions", versions);
        error.add("supported_versions", versions);
        connection.send(error);
        connection.close(1002, "");
        Connection again = c.nextConnection(Duration.ofSeconds(4));
        c.check(again == null, "The client reconnected after UNSUPPORTED_VERSION and close 1002");
    }

    private static void noReconnectWhenSuperseded(ClientContext c) {
        Session s = firstSession(c);
        s.connection().close(1000, "session_superseded");
        Connection again = c.nextConnection(Duration.ofSeconds(3));
        c.check(again == null, "The client reconnected after 1000 session_superseded (a tug of war with the newer "
                + "connection)");
    }

    // ---- Encoding, limits, nonces ----------------------------------------------------------------------------------

    /** A started client's first session, served with pongs. */
    private static Session servedSession(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        c.serve(s, heartbeat(c), true);
        return s;
    }

    /** A state_update with an empty delta for the session. */
    private static JsonObject deltaUpdate(Session s) {
        JsonObject payload = new JsonObject();
        payload.addProperty("kind", "delta");
        payload.add("data", new JsonObject());
        return ClientContext.envelope("state_update", s.threadId(), s.sessionId(), payload);
    }

    private static void acceptsPlainJson(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        JsonObject payload = new JsonObject();
        payload.addProperty("kind", "delta");
        JsonObject data = new JsonObject();
        data.addProperty("lri_resonance", 0.92);
        payload.add("data", data);
        s.connection().send(ClientContext.envelope("state_update", s.threadId(), s.sessionId(), payload));
        expectStillPinging(c, s, "a state_update without content_encoding");
    }

    private static void acceptsLimits(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        JsonObject payload = new JsonObject();
        payload.addProperty("kind", "full");
        JsonObject data = new JsonObject();
        payload.add("data", data);
        JsonObject current = data;
        for (int level = 3; level <= 10; level++) {
            JsonObject inner = new JsonObject();
            current.add("level_" + level, inner);
            current = inner;
        }
        current.addProperty("text", "é".repeat(32_768));
        JsonArray bulk = new JsonArray();
        data.add("bulk", bulk);
        JsonObject envelope = ClientContext.envelope("state_update", s.threadId(), s.sessionId(), payload);
        int size = envelope.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        while (size + 60_003 < 1_048_576 - 100) {
            bulk.add(new JsonPrimitive("a".repeat(60_000)));
            size += 60_003;
        }
        s.connection().send(envelope);
        expectStillPinging(c, s, "a " + size + "-byte state_update of payload depth 10");
    }

    private static void nonces(ClientContext c) {
        c.startClient();
        Session s = c.acceptSession("first start");
        List<Received> pings = ClientContext.ofType(c.serve(s, heartbeat(c).multipliedBy(4).plusMillis(TOLERANCE_MS),
                true), "ping");
        c.check(pings.size() >= 2, "Too few pings to compare nonces: " + pings.size());
        Set<String> seen = new HashSet<>();
        for (Received ping : pings) {
            String nonce = Json.string(ping.json(), "nonce");
            c.check(nonce != null && !nonce.isEmpty(), "A ping has no nonce");
            c.check(seen.add(nonce), "Nonce " + nonce + " was repeated within the session");
        }
        String sample = seen.iterator().next();
        String random = sample.substring(sample.lastIndexOf('-') + 1);
        if (random.matches("[0-9a-fA-F]+") && random.length() < 16) {
            c.warn("The nonce's random part (" + random + ") has fewer than 64 bits if it is hex");
        }
    }
}
