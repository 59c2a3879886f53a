package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.Level.MUST;
import static io.liminal.ltp.conformance.Level.SHOULD;

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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The server-role cases: every server-side (S) and both-sides (B) item of the spec's checklist (§13) that can be
 * observed over the wire. Items that cannot (what a server does with a message internally, 30-minute retention)
 * are listed too and skip with the reason.
 */
public final class ServerCases {
    private static final Pattern UUID_V4 =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    private static final int MAX_MESSAGE_BYTES = 1_048_576;
    private static final int MAX_STRING_BYTES = 65_536;

    private ServerCases() {
    }

    /** Every server-role case, in checklist order. */
    public static List<Case<ServerContext>> all() {
        List<Case<ServerContext>> cases = new ArrayList<>();
        // §1 transport
        cases.add(new Case<>("LTP-TR-002", "selects ltp.v0.3 when offered with ltp.v0.2", MUST, ServerCases::prefersV3));
        cases.add(new Case<>("LTP-TR-002", "selects ltp.v0.2 when only it is offered", MUST, ServerCases::fallsBackToV2));
        cases.add(new Case<>("LTP-TR-002", "selects no other subprotocol; none offered still works", MUST,
                ServerCases::noOtherSubprotocol));
        cases.add(new Case<>("LTP-TR-003", "answers with one JSON object per text message", MUST,
                ServerCases::textJsonObjects));
        // §3 handshake
        cases.add(new Case<>("LTP-HS-003", "acks an init with fresh UUID v4 ids, capabilities, heartbeat, resumed:false",
                MUST, ServerCases::initAck));
        cases.add(new Case<>("LTP-HS-004", "acks a resume with the same thread, a new session and resumed:true", MUST,
                ServerCases::resumeAck));
        cases.add(new Case<>("LTP-HS-004", "a resume beside a live connection of the thread leaves that one working",
                MUST, ServerCases::resumeBesideLiveConnection));
        cases.add(new Case<>("LTP-HS-005", "rejects a resume of an unknown thread: thread_not_found, suggest_new, open",
                MUST, ServerCases::unknownThreadRejected));
        cases.add(new Case<>("LTP-HS-006", "accepts handshake_init right after a handshake_reject", MUST,
                ServerCases::initAfterReject));
        cases.add(new Case<>("LTP-HS-007", "never answers handshake_init with handshake_reject", MUST,
                ServerCases::initNeverRejected));
        cases.add(new Case<>("LTP-HS-008", "accepts 0.3 and 0.2 and echoes the requested version", MUST,
                ServerCases::versionsEchoed));
        cases.add(new Case<>("LTP-HS-009", "answers other versions with UNSUPPORTED_VERSION, then closes 1002", MUST,
                ServerCases::unsupportedVersions));
        cases.add(new Case<>("LTP-HS-010", "answers a malformed handshake with MALFORMED_HANDSHAKE, then closes 1002",
                MUST, ServerCases::malformedHandshakes));
        cases.add(new Case<>("LTP-HS-011", "answers an empty client_id with INVALID_CLIENT_ID, then closes 1008", MUST,
                ServerCases::emptyClientId));
        cases.add(new Case<>("LTP-HS-012", "rejects a resume by another client_id as forbidden", SHOULD,
                ServerCases::foreignResumeForbidden));
        // §4 envelope
        cases.add(new Case<>("LTP-ENV-001", "sends type, the session's ids, an integer timestamp and a payload in every "
                + "envelope after the handshake, errors included", MUST, ServerCases::envelopeFieldsAfterHandshake));
        cases.add(new Case<>("LTP-ENV-002", "ignores unknown fields at top level, in meta and in payload", MUST,
                ServerCases::unknownFieldsIgnored));
        cases.add(new Case<>("LTP-ENV-003", "accepts any affect and context_tag values", MUST,
                ServerCases::affectAccepted));
        cases.add(new Case<>("LTP-ENV-004", "relays affect and context_tag unchanged", MUST, context -> context.skip(
                "Relaying is application behaviour: a server relays only what its application forwards, so this "
                        + "cannot be observed from outside. Check it in the server's own tests.")));
        cases.add(new Case<>("LTP-ENV-005", "answers a missing required field with MISSING_REQUIRED_FIELD", MUST,
                ServerCases::missingEnvelopeFields));
        cases.add(new Case<>("LTP-ENV-006", "answers a stale session or an envelope before the handshake with "
                + "SESSION_EXPIRED", MUST, ServerCases::sessionExpired));
        cases.add(new Case<>("LTP-ENV-007", "answers another thread_id with UNKNOWN_THREAD", MUST,
                ServerCases::unknownThread));
        cases.add(new Case<>("LTP-ENV-008", "answers unhandled types with UNKNOWN_MESSAGE_TYPE and received_type", MUST,
                ServerCases::unknownTypes));
        // §5 messages
        cases.add(new Case<>("LTP-MSG-001", "answers each ping with exactly one pong bearing the connection's ids",
                MUST, ServerCases::pingPong));
        cases.add(new Case<>("LTP-MSG-001", "20 concurrent connections each get their own acks and pongs", MUST,
                ServerCases::concurrentConnections));
        cases.add(new Case<>("LTP-MSG-002", "accepts state_update with any non-empty kind and any JSON data", MUST,
                ServerCases::stateUpdatesAccepted));
        cases.add(new Case<>("LTP-MSG-003", "answers state_update lacking kind or data with INVALID_STATE_UPDATE", MUST,
                ServerCases::invalidStateUpdates));
        cases.add(new Case<>("LTP-MSG-004", "answers event lacking event_type or data with MISSING_REQUIRED_FIELD",
                MUST, ServerCases::invalidEvents));
        // §6 errors
        cases.add(new Case<>("LTP-ERR-001", "sends errors in the payload form", MUST, ServerCases::payloadFormErrors));
        cases.add(new Case<>("LTP-ERR-003", "answers unparseable or non-object input with MALFORMED_MESSAGE", MUST,
                ServerCases::malformedMessages));
        cases.add(new Case<>("LTP-ERR-004", "does not answer a client's error with an error", MUST,
                ServerCases::errorNotAnswered));
        cases.add(new Case<>("LTP-ERR-005", "stays open and processes valid messages after every open error", MUST,
                ServerCases::openAfterErrors));
        // §7 heartbeat
        cases.add(new Case<>("LTP-HB-003", "does not close a connection that sends any message within 2 × interval",
                MUST, ServerCases::noIdleCloseWhileActive));
        cases.add(new Case<>("LTP-HB-004", "keeps threads resumable for 30 minutes", SHOULD, context -> context.skip(
                "Needs 30 minutes of waiting; resuming after a disconnect is checked by LTP-HS-004.")));
        // §9 content encoding
        cases.add(new Case<>("LTP-ENC-001", "reads an absent content_encoding as json; refuses unknown encodings",
                MUST, ServerCases::contentEncodingDefault));
        cases.add(new Case<>("LTP-ENC-002", "accepts TOON string data; refuses non-string TOON data", MUST,
                ServerCases::toonData));
        // §10 limits
        cases.add(new Case<>("LTP-LIM-001", "accepts a 1 MiB message, payload depth 10 and a 64 KiB string", MUST,
                ServerCases::withinLimits));
        cases.add(new Case<>("LTP-LIM-002", "answers larger ones with MESSAGE_TOO_LARGE and stays open", SHOULD,
                ServerCases::beyondLimits));
        // §11 security
        cases.add(new Case<>("LTP-SEC-001", "puts a unique nonce on every envelope", MUST, ServerCases::nonces));
        cases.add(new Case<>("LTP-SEC-002", "does not reject on a signature value or a missing nonce", MUST,
                ServerCases::signatureNotChecked));
        cases.add(new Case<>("LTP-SEC-003", "signs its envelopes with HMAC-SHA256 over the canonical text", MUST,
                ServerCases::serverSignatures));
        cases.add(new Case<>("LTP-SEC-004", "rejects a wrong signature with INVALID_SIGNATURE and stays open", MUST,
                ServerCases::wrongSignature));
        cases.add(new Case<>("LTP-SEC-005", "rejects a repeated nonce with INVALID_NONCE", MUST,
                ServerCases::replayedNonce));
        cases.add(new Case<>("LTP-SEC-006", "rejects old and future timestamps", MUST, ServerCases::timestampDrift));
        cases.add(new Case<>("LTP-SEC-007", "accepts metadata.auth_token on init and resume and never echoes it", MUST,
                ServerCases::authToken));
        return List.copyOf(cases);
    }

    // ---- §1 Transport ---------------------------------------------------------------------------------------------

    private static void prefersV3(ServerContext c) {
        WsPeer peer = c.open(List.of("ltp.v0.2", "ltp.v0.3"));
        c.check("ltp.v0.3".equals(peer.subprotocol()), "Offered [ltp.v0.2, ltp.v0.3], the server selected "
                + peer.subprotocol());
    }

    private static void fallsBackToV2(ServerContext c) {
        WsPeer peer = c.open(List.of("ltp.v0.2"));
        c.check("ltp.v0.2".equals(peer.subprotocol()), "Offered [ltp.v0.2], the server selected "
                + peer.subprotocol());
    }

    private static void noOtherSubprotocol(ServerContext c) {
        WsPeer other = c.open(List.of("ltp.v0.1", "chat"));
        c.check(other.subprotocol() == null, "Offered [ltp.v0.1, chat], the server selected " + other.subprotocol());
        WsPeer none = c.open(List.of());
        c.check(none.subprotocol() == null, "Offered nothing, the server selected " + none.subprotocol());
        c.handshake(none, c.newClientId());
    }

    private static void textJsonObjects(ServerContext c) {
        WsPeer peer = c.open();
        String clientId = c.newClientId();
        peer.send(c.init(clientId, "0.3").toString());
        JsonObject ack = textObject(c, peer, "the handshake_ack");
        Session session = new Session(peer, clientId, Json.string(ack, "thread_id"), Json.string(ack, "session_id"),
                ack);
        c.ping(session);
        textObject(c, peer, "the pong");
        peer.send("{\"type\":");
        textObject(c, peer, "the MALFORMED_MESSAGE error");
    }

    private static JsonObject textObject(ServerContext c, WsPeer peer, String what) {
        WsPeer.Message message = peer.next(c.options().replyTimeout());
        c.check(message != null, "No answer within " + c.options().replyTimeout().toMillis() + " ms (" + what + ")");
        c.check(!message.binary(), what + " came in a binary frame; LTP messages are text");
        JsonObject json = Json.objectOrNull(message.text());
        c.check(json != null, what + " is not one JSON object: " + message.text());
        return json;
    }

    // ---- §3 Handshake ---------------------------------------------------------------------------------------------

    private static void initAck(ServerContext c) {
        Session first = c.handshake();
        JsonObject ack = first.ack();
        c.expect(UUID_V4.matcher(first.threadId()).matches(), "thread_id is not a lowercase UUID v4: "
                + first.threadId());
        c.expect(UUID_V4.matcher(first.sessionId()).matches(), "session_id is not a lowercase UUID v4: "
                + first.sessionId());
        c.expect("0.3".equals(Json.string(ack, "ltp_version")), "ack ltp_version is " + ack.get("ltp_version")
                + ", expected \"0.3\" (the requested version)");
        JsonElement capabilities = ack.get("server_capabilities");
        c.check(capabilities != null && capabilities.isJsonArray(), "server_capabilities is missing or not an array");
        for (JsonElement capability : capabilities.getAsJsonArray()) {
            c.expect(capability.isJsonPrimitive() && capability.getAsJsonPrimitive().isString(),
                    "server_capabilities holds a non-string: " + capability);
        }
        c.expect(Json.isInteger(ack, "heartbeat_interval_ms") && ack.get("heartbeat_interval_ms").getAsLong() > 0,
                "heartbeat_interval_ms is not an integer > 0: " + ack.get("heartbeat_interval_ms"));
        JsonElement resumed = ack.get("resumed");
        c.expect(resumed != null && resumed.isJsonPrimitive() && resumed.getAsJsonPrimitive().isBoolean()
                && !resumed.getAsBoolean(), "resumed is not false: " + resumed);
        Session second = c.handshake();
        c.expect(!second.threadId().equals(first.threadId()), "Two inits got the same thread_id");
        c.expect(!second.sessionId().equals(first.sessionId()), "Two inits got the same session_id");
    }

    private static void resumeAck(ServerContext c) {
        Session first = c.handshake();
        first.peer().close();
        Session resumed = c.resume(c.open(), first.clientId(), first.threadId());
        c.check(resumed.threadId().equals(first.threadId()), "The resume ack names another thread: "
                + resumed.threadId());
        c.check(!resumed.sessionId().equals(first.sessionId()), "The resume reused the earlier session_id");
        JsonElement flag = resumed.ack().get("resumed");
        c.check(flag != null && flag.isJsonPrimitive() && flag.getAsJsonPrimitive().isBoolean() && flag.getAsBoolean(),
                "resumed is not true: " + flag);
        // A second live connection of the same thread gets yet another session.
        Session again = c.resume(c.open(), first.clientId(), first.threadId());
        c.check(!again.sessionId().equals(resumed.sessionId()) && !again.sessionId().equals(first.sessionId()),
                "A resume got a session_id issued before");
    }

    private static JsonObject rejectUnknown(ServerContext c, WsPeer peer, String clientId) {
        peer.send(c.resumeFrame(clientId, UUID.randomUUID().toString()).toString());
        JsonObject reject = peer.nextJson(c.options().replyTimeout(), "handshake_reject");
        c.check("handshake_reject".equals(Json.type(reject)), "Expected handshake_reject, got "
                + ServerContext.describe(reject));
        return reject;
    }

    private static void unknownThreadRejected(ServerContext c) {
        WsPeer peer = c.open();
        JsonObject reject = rejectUnknown(c, peer, c.newClientId());
        c.check("thread_not_found".equals(Json.string(reject, "reason")), "reason is " + reject.get("reason")
                + ", expected \"thread_not_found\"");
        JsonElement suggest = reject.get("suggest_new");
        c.check(suggest != null && suggest.isJsonPrimitive() && suggest.getAsJsonPrimitive().isBoolean()
                && suggest.getAsBoolean(), "suggest_new is not true: " + suggest);
        c.check(Json.string(reject, "ltp_version") != null, "handshake_reject lacks ltp_version");
        c.check(peer.awaitClose(Duration.ofMillis(300)) == null, "The server closed the connection after the reject");
    }

    private static void initAfterReject(ServerContext c) {
        WsPeer peer = c.open();
        String clientId = c.newClientId();
        rejectUnknown(c, peer, clientId);
        Session session = c.handshake(peer, clientId);
        c.expectAlive(session, "an init that followed a reject");
    }

    private static void initNeverRejected(ServerContext c) {
        List<JsonObject> inits = new ArrayList<>();
        JsonObject minimal = new JsonObject();
        minimal.addProperty("type", "handshake_init");
        minimal.addProperty("ltp_version", "0.3");
        minimal.addProperty("client_id", c.newClientId());
        if (c.options().authToken() != null) {
            JsonObject metadata = new JsonObject();
            metadata.addProperty("auth_token", c.options().authToken());
            minimal.add("metadata", metadata);
        }
        inits.add(minimal);
        JsonObject unusual = c.init(c.newClientId(), "0.3");
        unusual.addProperty("intent", "conformance_check");
        unusual.add("capabilities", new JsonArray());
        unusual.addProperty("x_unknown_field", "ignored");
        inits.add(unusual);
        inits.add(c.init(c.newClientId(), "0.2"));
        for (JsonObject init : inits) {
            WsPeer peer = c.open();
            peer.send(init.toString());
            JsonObject answer = peer.nextJson(c.options().replyTimeout(), "the answer to handshake_init");
            c.check(!"handshake_reject".equals(Json.type(answer)), "handshake_init was answered with handshake_reject");
            c.check("handshake_ack".equals(Json.type(answer)), "Expected handshake_ack to a valid init, got "
                    + ServerContext.describe(answer));
        }
    }

    private static void versionsEchoed(ServerContext c) {
        for (String version : new String[] {"0.3", "0.2"}) {
            WsPeer peer = c.open();
            peer.send(c.init(c.newClientId(), version).toString());
            JsonObject ack = peer.nextJson(c.options().replyTimeout(), "handshake_ack");
            c.check("handshake_ack".equals(Json.type(ack)), "Version " + version + " was answered with "
                    + ServerContext.describe(ack));
            c.check(version.equals(Json.string(ack, "ltp_version")), "Requested " + version + ", ack says "
                    + ack.get("ltp_version"));
        }
    }

    /**
     * §3.6 step 7: other live connections of the thread keep their own sessions (tabs, devices). Closing the older
     * one is allowed only over a per-thread cap, and two connections are under any cap worth having.
     */
    private static void resumeBesideLiveConnection(ServerContext c) {
        Session first = c.handshake();
        Session second = c.resume(c.open(), first.clientId(), first.threadId());
        c.check(!second.sessionId().equals(first.sessionId()), "The second connection got the first one's session_id "
                + first.sessionId() + "; each connection gets its own");
        c.expectAlive(second, "resuming the thread on a second connection");
        c.expectAlive(first, "the thread was resumed on a second connection (the first must keep working)");
    }

    private static void unsupportedVersions(ServerContext c) {
        for (String version : new String[] {"0.1", "1.0", "0.4"}) {
            WsPeer peer = c.open();
            peer.send(c.init(c.newClientId(), version).toString());
            JsonObject error = c.expectError(peer, "UNSUPPORTED_VERSION", "an init with ltp_version " + version);
            checkSupportedVersions(c, Json.errorDetails(error).get("supported_versions"), "payload.details");
            checkSupportedVersions(c, error.get("supported_versions"), "the top-level mirror");
            c.expectClose(peer, 1002, "UNSUPPORTED_VERSION");
        }
        // The same check for a resume (§3.6: steps 1-4 apply to both), before the thread is looked at.
        WsPeer peer = c.open();
        JsonObject resume = c.resumeFrame(c.newClientId(), java.util.UUID.randomUUID().toString());
        resume.addProperty("ltp_version", "0.4");
        peer.send(resume.toString());
        c.expectError(peer, "UNSUPPORTED_VERSION", "a resume with ltp_version 0.4");
        c.expectClose(peer, 1002, "UNSUPPORTED_VERSION");
    }

    private static void checkSupportedVersions(ServerContext c, JsonElement versions, String where) {
        c.check(versions != null && versions.isJsonArray(), "supported_versions missing in " + where);
        Set<String> listed = new HashSet<>();
        for (JsonElement version : versions.getAsJsonArray()) {
            listed.add(version.isJsonPrimitive() ? version.getAsString() : version.toString());
        }
        c.check(listed.equals(Set.of("0.3", "0.2")), "supported_versions in " + where + " is " + versions
                + ", expected [\"0.3\",\"0.2\"]");
    }

    private static void malformedHandshakes(ServerContext c) {
        JsonObject noVersion = c.init(c.newClientId(), "0.3");
        noVersion.remove("ltp_version");
        JsonObject numericClient = c.init(c.newClientId(), "0.3");
        numericClient.addProperty("client_id", 42);
        JsonObject numericVersion = c.init(c.newClientId(), "0.3");
        numericVersion.addProperty("ltp_version", 0.3);
        JsonObject noClient = c.init(c.newClientId(), "0.3");
        noClient.remove("client_id");
        JsonObject resumeNoThread = c.resumeFrame(c.newClientId(), "x");
        resumeNoThread.remove("thread_id");
        Object[][] variants = {
            {noVersion, "an init without ltp_version"},
            {noClient, "an init without client_id"},
            {numericClient, "an init with a numeric client_id"},
            {numericVersion, "an init with a numeric ltp_version"},
            {resumeNoThread, "a resume without thread_id"},
        };
        for (Object[] variant : variants) {
            WsPeer peer = c.open();
            peer.send(variant[0].toString());
            c.expectError(peer, "MALFORMED_HANDSHAKE", (String) variant[1]);
            c.expectClose(peer, 1002, "MALFORMED_HANDSHAKE");
        }
    }

    private static void emptyClientId(ServerContext c) {
        WsPeer peer = c.open();
        peer.send(c.init("", "0.3").toString());
        c.expectError(peer, "INVALID_CLIENT_ID", "an init with an empty client_id");
        c.expectClose(peer, 1008, "INVALID_CLIENT_ID");
    }

    private static void foreignResumeForbidden(ServerContext c) {
        Session owner = c.handshake();
        WsPeer peer = c.open();
        peer.send(c.resumeFrame(c.newClientId(), owner.threadId()).toString());
        JsonObject answer = peer.nextJson(c.options().replyTimeout(), "the answer to a foreign resume");
        c.check("handshake_reject".equals(Json.type(answer)), "Another client_id resumed the thread: got "
                + ServerContext.describe(answer));
        c.check("forbidden".equals(Json.string(answer, "reason")), "reason is " + answer.get("reason")
                + ", expected \"forbidden\"");
    }

    // ---- §4 Envelope ----------------------------------------------------------------------------------------------

    private static JsonObject object(String key, JsonElement value) {
        JsonObject object = new JsonObject();
        object.add(key, value);
        return object;
    }

    private static JsonObject stateUpdate(String kind, JsonElement data) {
        JsonObject payload = new JsonObject();
        if (kind != null) {
            payload.addProperty("kind", kind);
        }
        if (data != null) {
            payload.add("data", data);
        }
        return payload;
    }

    private static JsonObject event(String eventType, JsonElement data) {
        JsonObject payload = new JsonObject();
        if (eventType != null) {
            payload.addProperty("event_type", eventType);
        }
        if (data != null) {
            payload.add("data", data);
        }
        return payload;
    }

    private static void unknownFieldsIgnored(ServerContext c) {
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

    private static void affectAccepted(ServerContext c) {
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

    private static void missingEnvelopeFields(ServerContext c) {
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

    private static void sessionExpired(ServerContext c) {
        WsPeer early = c.open();
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

    private static void unknownThread(ServerContext c) {
        Session s = c.handshake();
        Session other = c.handshake();
        c.send(s, "state_update", stateUpdate("minimal", new JsonObject()),
                envelope -> envelope.addProperty("thread_id", other.threadId()));
        c.expectError(s.peer(), "UNKNOWN_THREAD", "a state_update naming another connection's thread");
        c.send(s, "ping", new JsonObject(), envelope -> envelope.addProperty("thread_id", UUID.randomUUID().toString()));
        c.expectError(s.peer(), "UNKNOWN_THREAD", "a ping naming an unknown thread");
        c.expectAlive(s, "UNKNOWN_THREAD errors");
    }

    private static void unknownTypes(ServerContext c) {
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

    private static void pingPong(ServerContext c) {
        Session s = c.handshake();
        int pings = 10;
        for (int i = 0; i < pings; i++) {
            c.ping(s);
        }
        for (int i = 0; i < pings; i++) {
            JsonObject pong = c.awaitType(s.peer(), "pong", "pong " + (i + 1) + " of " + pings);
            checkPong(c, s, pong);
        }
        WsPeer.Message extra;
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

    private static void concurrentConnections(ServerContext c) throws Exception {
        int connections = 20;
        List<CompletableFuture<Session>> handshakes = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            WsPeer peer = c.open();
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

    private static void stateUpdatesAccepted(ServerContext c) {
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

    private static void invalidStateUpdates(ServerContext c) {
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

    private static void invalidEvents(ServerContext c) {
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

    // ---- §6 Errors ------------------------------------------------------------------------------------------------

    private static void envelopeFieldsAfterHandshake(ServerContext c) {
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

    private static void payloadFormErrors(ServerContext c) {
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

    private static void malformedMessages(ServerContext c) {
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

    private static void errorNotAnswered(ServerContext c) {
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

    private static void openAfterErrors(ServerContext c) {
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

    private static void noIdleCloseWhileActive(ServerContext c) {
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

    private static void contentEncodingDefault(ServerContext c) {
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

    private static void toonData(ServerContext c) {
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

    private static JsonObject nested(int depth) {
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

    private static void withinLimits(ServerContext c) {
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

    private static void beyondLimits(ServerContext c) {
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

    private static void nonces(ServerContext c) {
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

    private static void signatureNotChecked(ServerContext c) {
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

    private static void serverSignatures(ServerContext c) {
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

    private static void wrongSignature(ServerContext c) {
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

    private static void replayedNonce(ServerContext c) {
        requireReplayProtection(c);
        Session s = c.handshake();
        JsonObject envelope = c.envelope(s, "state_update", stateUpdate("minimal", new JsonObject()));
        String text = c.text(envelope);
        s.peer().send(text);
        c.expectAlive(s, "the first use of a nonce");
        s.peer().send(text);
        c.expectError(s.peer(), "INVALID_NONCE", "the same envelope (same nonce) again");
    }

    private static void timestampDrift(ServerContext c) {
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

    private static void authToken(ServerContext c) {
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
