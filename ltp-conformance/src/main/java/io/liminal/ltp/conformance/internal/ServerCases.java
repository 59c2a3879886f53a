package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.Level.MUST;
import static io.liminal.ltp.conformance.Level.SHOULD;

import com.google.gson.JsonObject;
import io.liminal.ltp.conformance.internal.ServerContext.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The server-role cases: every server-side (S) and both-sides (B) item of the spec's checklist (§13) that can be
 * observed over the wire. Items that cannot (what a server does with a message internally, 30-minute retention)
 * are listed too and skip with the reason. This class lists them in checklist order and holds the §1 cases; the
 * others live by spec section in {@link ServerHandshakeCases}, {@link ServerMessageCases} and
 * {@link ServerRuleCases}.
 */
public final class ServerCases {
    static final Pattern UUID_V4 =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

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
                MUST, ServerHandshakeCases::initAck));
        cases.add(new Case<>("LTP-HS-004", "acks a resume with the same thread, a new session and resumed:true", MUST,
                ServerHandshakeCases::resumeAck));
        cases.add(new Case<>("LTP-HS-004", "a resume beside a live connection of the thread leaves that one working",
                MUST, ServerHandshakeCases::resumeBesideLiveConnection));
        cases.add(new Case<>("LTP-HS-004", "pushes to a thread reach every live connection of it", MUST,
                ServerHandshakeCases::pushesReachEveryConnection));
        cases.add(new Case<>("LTP-HS-004", "over a declared per-thread cap, the oldest connection is closed 1000 "
                + "session_superseded", MUST, ServerHandshakeCases::perThreadCap));
        cases.add(new Case<>("LTP-HS-005", "rejects a resume of an unknown thread: thread_not_found, suggest_new, open",
                MUST, ServerHandshakeCases::unknownThreadRejected));
        cases.add(new Case<>("LTP-HS-006", "accepts handshake_init right after a handshake_reject", MUST,
                ServerHandshakeCases::initAfterReject));
        cases.add(new Case<>("LTP-HS-007", "never answers handshake_init with handshake_reject", MUST,
                ServerHandshakeCases::initNeverRejected));
        cases.add(new Case<>("LTP-HS-008", "accepts 0.3 and 0.2 and echoes the requested version", MUST,
                ServerHandshakeCases::versionsEchoed));
        cases.add(new Case<>("LTP-HS-009", "answers other versions with UNSUPPORTED_VERSION, then closes 1002", MUST,
                ServerHandshakeCases::unsupportedVersions));
        cases.add(new Case<>("LTP-HS-010", "answers a malformed handshake with MALFORMED_HANDSHAKE, then closes 1002",
                MUST, ServerHandshakeCases::malformedHandshakes));
        cases.add(new Case<>("LTP-HS-011", "answers an empty client_id with INVALID_CLIENT_ID, then closes 1008", MUST,
                ServerHandshakeCases::emptyClientId));
        cases.add(new Case<>("LTP-HS-011", "accepts a client_id of the declared maximum length, refuses one byte more "
                + "with INVALID_CLIENT_ID and close 1008", MUST, ServerLimitCases::clientIdLimit));
        cases.add(new Case<>("LTP-HS-012", "rejects a resume by another client_id as forbidden", SHOULD,
                ServerHandshakeCases::foreignResumeForbidden));
        // §4 envelope
        cases.add(new Case<>("LTP-ENV-001", "sends type, the session's ids, an integer timestamp and a payload in every "
                + "envelope after the handshake, errors included", MUST, ServerRuleCases::envelopeFieldsAfterHandshake));
        cases.add(new Case<>("LTP-ENV-002", "ignores unknown fields at top level, in meta and in payload", MUST,
                ServerMessageCases::unknownFieldsIgnored));
        cases.add(new Case<>("LTP-ENV-003", "accepts any affect and context_tag values", MUST,
                ServerMessageCases::affectAccepted));
        cases.add(new Case<>("LTP-ENV-004", "relays affect and context_tag unchanged", MUST, context -> context.skip(
                "Relaying is application behaviour: a server relays only what its application forwards, so this "
                        + "cannot be observed from outside. Check it in the server's own tests.")));
        cases.add(new Case<>("LTP-ENV-005", "answers a missing required field with MISSING_REQUIRED_FIELD", MUST,
                ServerMessageCases::missingEnvelopeFields));
        cases.add(new Case<>("LTP-ENV-006", "answers a stale session or an envelope before the handshake with "
                + "SESSION_EXPIRED", MUST, ServerMessageCases::sessionExpired));
        cases.add(new Case<>("LTP-ENV-007", "answers another thread_id with UNKNOWN_THREAD", MUST,
                ServerMessageCases::unknownThread));
        cases.add(new Case<>("LTP-ENV-008", "answers unhandled types with UNKNOWN_MESSAGE_TYPE and received_type", MUST,
                ServerMessageCases::unknownTypes));
        // §5 messages
        cases.add(new Case<>("LTP-MSG-001", "answers each ping with exactly one pong bearing the connection's ids",
                MUST, ServerMessageCases::pingPong));
        cases.add(new Case<>("LTP-MSG-001", "20 concurrent connections each get their own acks and pongs", MUST,
                ServerMessageCases::concurrentConnections));
        cases.add(new Case<>("LTP-MSG-002", "accepts state_update with any non-empty kind and any JSON data", MUST,
                ServerMessageCases::stateUpdatesAccepted));
        cases.add(new Case<>("LTP-MSG-003", "answers state_update lacking kind or data with INVALID_STATE_UPDATE", MUST,
                ServerMessageCases::invalidStateUpdates));
        cases.add(new Case<>("LTP-MSG-004", "answers event lacking event_type or data with MISSING_REQUIRED_FIELD",
                MUST, ServerMessageCases::invalidEvents));
        // §6 errors
        cases.add(new Case<>("LTP-ERR-001", "sends errors in the payload form", MUST, ServerRuleCases::payloadFormErrors));
        cases.add(new Case<>("LTP-ERR-003", "answers unparseable or non-object input with MALFORMED_MESSAGE", MUST,
                ServerRuleCases::malformedMessages));
        cases.add(new Case<>("LTP-ERR-004", "does not answer a client's error with an error", MUST,
                ServerRuleCases::errorNotAnswered));
        cases.add(new Case<>("LTP-ERR-005", "stays open and processes valid messages after every open error", MUST,
                ServerRuleCases::openAfterErrors));
        // §7 heartbeat
        cases.add(Case.timed("LTP-HB-003", "does not close a connection that sends a message every 1.25 × interval",
                MUST, ServerRuleCases::noIdleCloseWhileActive));
        cases.add(Case.timed("LTP-HB-003", "closes a silent connection not before 2 × interval (if idle_close is "
                + "declared: by about then, 1000 heartbeat_timeout)", MUST, ServerRuleCases::idleSilence));
        cases.add(Case.timed("LTP-HB-004", "keeps a thread that pings resumable past its TTL (30 minutes, or as "
                + "declared)", SHOULD, ServerRuleCases::ttlRefreshedByPings));
        // §9 content encoding
        cases.add(new Case<>("LTP-ENC-001", "reads an absent content_encoding as json; refuses unknown encodings",
                MUST, ServerRuleCases::contentEncodingDefault));
        cases.add(new Case<>("LTP-ENC-002", "accepts TOON string data; refuses non-string TOON data", MUST,
                ServerRuleCases::toonData));
        // §10 limits
        cases.add(new Case<>("LTP-LIM-001", "accepts a message and a handshake of exactly 1,048,576 bytes", MUST,
                ServerLimitCases::messageAtLimit));
        cases.add(new Case<>("LTP-LIM-001", "accepts payload depth 10 and a string and a key of exactly 65,536 bytes",
                MUST, ServerLimitCases::depthAndStringsAtLimit));
        cases.add(new Case<>("LTP-LIM-001", "accepts TOON data longer than the string limit (A-17)", MUST,
                ServerLimitCases::toonDataExempt));
        cases.add(new Case<>("LTP-LIM-002", "answers a message and a handshake of 1,048,577 bytes with "
                + "MESSAGE_TOO_LARGE, size details, and stays open", SHOULD, ServerLimitCases::messageBeyondLimit));
        cases.add(new Case<>("LTP-LIM-002", "answers payload depth 11 and a 65,537-byte string or key with "
                + "MESSAGE_TOO_LARGE and the §10 details", SHOULD, ServerLimitCases::depthAndStringsBeyondLimit));
        // §11 security
        cases.add(new Case<>("LTP-SEC-001", "puts a unique nonce on every envelope", MUST, ServerRuleCases::nonces));
        cases.add(new Case<>("LTP-SEC-002", "does not reject on a signature value or a missing nonce", MUST,
                ServerRuleCases::signatureNotChecked));
        cases.add(new Case<>("LTP-SEC-003", "signs its envelopes with HMAC-SHA256 over the canonical text", MUST,
                ServerRuleCases::serverSignatures));
        cases.add(new Case<>("LTP-SEC-004", "rejects a wrong signature with INVALID_SIGNATURE and stays open", MUST,
                ServerRuleCases::wrongSignature));
        cases.add(new Case<>("LTP-SEC-005", "rejects a repeated nonce with INVALID_NONCE", MUST,
                ServerRuleCases::replayedNonce));
        cases.add(new Case<>("LTP-SEC-006", "rejects old and future timestamps", MUST, ServerRuleCases::timestampDrift));
        cases.add(new Case<>("LTP-SEC-007", "accepts metadata.auth_token on init and resume and never echoes it", MUST,
                ServerRuleCases::authToken));
        // Last: it uses up the declared rate limit, which with a token is shared by every case.
        cases.add(Case.timed("LTP-ERR-005", "answers messages past the declared rate limit with RATE_LIMIT_EXCEEDED "
                + "and stays open", MUST, ServerRuleCases::rateLimitAnswered));
        return List.copyOf(cases);
    }

    // ---- §1 Transport ---------------------------------------------------------------------------------------------

    /** Subprotocols are WebSocket's: sse-v1 carries the version in the handshake only. */
    private static void webSocketOnly(ServerContext c) {
        if (c.sse()) {
            c.skip("WebSocket subprotocol selection does not exist on sse-v1, which carries the version in the "
                    + "handshake only (docs/extensions/sse-v1.md)");
        }
    }

    private static void prefersV3(ServerContext c) {
        webSocketOnly(c);
        Peer peer = c.open(List.of("ltp.v0.2", "ltp.v0.3"));
        c.check("ltp.v0.3".equals(peer.subprotocol()), "Offered [ltp.v0.2, ltp.v0.3], the server selected "
                + peer.subprotocol());
    }

    private static void fallsBackToV2(ServerContext c) {
        webSocketOnly(c);
        Peer peer = c.open(List.of("ltp.v0.2"));
        c.check("ltp.v0.2".equals(peer.subprotocol()), "Offered [ltp.v0.2], the server selected "
                + peer.subprotocol());
    }

    private static void noOtherSubprotocol(ServerContext c) {
        webSocketOnly(c);
        Peer other = c.open(List.of("ltp.v0.1", "chat"));
        c.check(other.subprotocol() == null, "Offered [ltp.v0.1, chat], the server selected " + other.subprotocol());
        Peer none = c.open(List.of());
        c.check(none.subprotocol() == null, "Offered nothing, the server selected " + none.subprotocol());
        c.handshake(none, c.newClientId());
    }

    private static void textJsonObjects(ServerContext c) {
        Peer peer = c.open();
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

    private static JsonObject textObject(ServerContext c, Peer peer, String what) {
        Peer.Message message = peer.next(c.options().replyTimeout());
        c.check(message != null, "No answer within " + c.options().replyTimeout().toMillis() + " ms (" + what + ")");
        c.check(!message.binary(), what + " came in a binary frame; LTP messages are text");
        JsonObject json = Json.objectOrNull(message.text());
        c.check(json != null, what + " is not one JSON object: " + message.text());
        return json;
    }

}
