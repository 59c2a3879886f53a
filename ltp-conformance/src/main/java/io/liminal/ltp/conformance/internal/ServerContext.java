package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.conformance.ServerProfile;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.core.codec.CanonicalJson;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The server-role context: opens scripted client connections to the server under test and reads its answers. */
public final class ServerContext extends CaseContext {
    /** The subprotocol a client offers by default (LTP-TR-001). */
    public static final List<String> DEFAULT_SUBPROTOCOLS = List.of("ltp.v0.3");
    private static final String RATE_LIMITED = "RATE_LIMIT_EXCEEDED";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final URI url;
    private final List<Peer> peers = new ArrayList<>();
    private final String signingSecret;
    private final RatePacer pacer;
    private volatile boolean expectingRateLimit;

    public ServerContext(URI url, SuiteOptions options, Evidence evidence, RatePacer pacer) {
        super(options, evidence);
        this.url = url;
        this.pacer = pacer;
        this.signingSecret = options.signingSecret();
    }

    /** A handshaken connection: its peer and the ids the ack gave it. */
    public record Session(Peer peer, String clientId, String threadId, String sessionId, JsonObject ack) {
    }

    // ---- Connections ------------------------------------------------------------------------------------------

    /** Opens a connection offering {@code ltp.v0.3}. */
    public Peer open() {
        return open(DEFAULT_SUBPROTOCOLS);
    }

    /** Opens a connection offering these subprotocols. */
    public Peer open(List<String> subprotocols) {
        String name = "conn#" + (peers.size() + 1);
        Peer peer = sse() ? Peer.connectSse(name, url, options.headers(), options.sslContext(),
                options.replyTimeout(), evidence)
                : Peer.connect(name, url, subprotocols, options.headers(), options.sslContext(),
                        options.replyTimeout(), evidence);
        peer.pace(pacer);
        peer.awaitServerClose(options.server().maxConnectionsPerClient() > 0);
        if (options.identity() == io.liminal.ltp.conformance.ServerProfile.Identity.TOKEN) {
            peer.identity("token");
        }
        peers.add(peer);
        return peer;
    }

    /** Whether the cases run over the sse-v1 binding rather than WebSocket. */
    public boolean sse() {
        return options.transport() == io.liminal.ltp.conformance.SuiteOptions.Transport.SSE;
    }

    /** A client id no other case uses. */
    public String newClientId() {
        return "conformance-" + randomHex(6);
    }

    /** Opens a connection and completes a {@code handshake_init} with a new client id. */
    public Session handshake() {
        return handshake(open(), newClientId());
    }

    /**
     * Sends {@code handshake_init} for {@code clientId} and waits for the ack.
     *
     * @throws CaseFailed when the answer is anything but an ack with a thread and a session id
     */
    public Session handshake(Peer peer, String clientId) {
        peer.send(init(clientId, "0.3").toString());
        return acked(peer, clientId, "handshake_ack to handshake_init");
    }

    /** Sends {@code handshake_resume} of {@code threadId} and waits for the ack. */
    public Session resume(Peer peer, String clientId, String threadId) {
        peer.send(resumeFrame(clientId, threadId).toString());
        return acked(peer, clientId, "handshake_ack to handshake_resume");
    }

    private Session acked(Peer peer, String clientId, String waitingFor) {
        JsonObject ack = peer.nextJson(options.replyTimeout(), waitingFor);
        inconclusiveIfRateLimited(ack, waitingFor);
        check("handshake_ack".equals(Json.type(ack)), "Expected handshake_ack, got " + describe(ack));
        String thread = Json.string(ack, "thread_id");
        String session = Json.string(ack, "session_id");
        check(thread != null && !thread.isEmpty() && session != null && !session.isEmpty(),
                "The ack lacks a non-empty string thread_id or session_id");
        peer.identity(switch (options.identity()) {
            case TOKEN -> "token";
            case CLIENT -> "client:" + clientId;
            case THREAD -> "thread:" + thread;
        });
        return new Session(peer, clientId, thread, session, ack);
    }

    /** The case itself provokes RATE_LIMIT_EXCEEDED: it does not make the case undecided. */
    public void expectRateLimit() {
        expectingRateLimit = true;
    }

    @Override
    String undecidedBecause() {
        if (expectingRateLimit) {
            return null;
        }
        for (String line : evidence.lines()) {
            if (line.contains(" < ") && line.contains("\"error_code\":\"" + RATE_LIMITED + "\"")) {
                return "The server answered " + RATE_LIMITED + " during the case: a limit the run was not told "
                        + "about, or one tighter than declared (profile: rate_limit, handshake_limit), may have "
                        + "decided instead of the rule under test.";
            }
        }
        return null;
    }

    /** A pacer for one run: none unless the run declares a rate limit. */
    public static RatePacer pacerFor(SuiteOptions options) {
        ServerProfile server = options.server();
        return new RatePacer(server.rateLimitMessages(), server.rateLimitWindow(), server.handshakeLimit(),
                server.handshakeLimitWindow());
    }

    /** The heartbeat interval the ack announced. */
    public static long heartbeatMillis(Session session) {
        return session.ack().get("heartbeat_interval_ms").getAsLong();
    }

    // ---- Frames -------------------------------------------------------------------------------------------------

    /** A {@code handshake_init} with the reference client's optional fields and the auth token if configured. */
    public JsonObject init(String clientId, String version) {
        JsonObject init = new JsonObject();
        init.addProperty("type", "handshake_init");
        init.addProperty("ltp_version", version);
        init.addProperty("client_id", clientId);
        init.addProperty("device_fingerprint", "ltp-conformance");
        init.addProperty("intent", "resonant_link");
        JsonArray capabilities = new JsonArray();
        capabilities.add("state-update");
        capabilities.add("events");
        capabilities.add("ping-pong");
        init.add("capabilities", capabilities);
        init.add("metadata", metadata());
        return init;
    }

    /** A {@code handshake_resume} of {@code threadId}. */
    public JsonObject resumeFrame(String clientId, String threadId) {
        JsonObject resume = new JsonObject();
        resume.addProperty("type", "handshake_resume");
        resume.addProperty("ltp_version", "0.3");
        resume.addProperty("client_id", clientId);
        resume.addProperty("thread_id", threadId);
        resume.addProperty("resume_reason", "automatic_reconnect");
        resume.add("metadata", metadata());
        return resume;
    }

    private JsonObject metadata() {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("sdk_version", "ltp-conformance");
        metadata.addProperty("platform", "java");
        if (options.authToken() != null) {
            metadata.addProperty("auth_token", options.authToken());
        }
        return metadata;
    }

    /** An envelope on {@code session} with a fresh nonce and the current time. */
    public JsonObject envelope(Session session, String type, JsonObject payload) {
        JsonObject envelope = new JsonObject();
        envelope.addProperty("type", type);
        envelope.addProperty("thread_id", session.threadId());
        envelope.addProperty("session_id", session.sessionId());
        envelope.addProperty("timestamp", nowSeconds());
        envelope.add("payload", payload);
        JsonObject meta = new JsonObject();
        meta.addProperty("client_id", session.clientId());
        envelope.add("meta", meta);
        envelope.addProperty("nonce", session.clientId() + "-" + System.currentTimeMillis() + "-" + randomHex(16));
        return envelope;
    }

    /**
     * Signs the frame if the run has a signing secret and the frame is an envelope (it has a type other than a
     * handshake's, a nonce and a payload object); then its text. The signature is computed over the frame as sent
     * (§11.3), so that a deliberately invalid envelope (no kind, unknown fields) reaches the rule under test
     * rather than the signature check.
     */
    public String text(JsonObject frame) {
        if (signingSecret == null) {
            return frame.toString();
        }
        String type = Json.type(frame);
        if (type == null || type.startsWith("handshake_") || Json.string(frame, "nonce") == null
                || Json.object(frame, "payload") == null || !(frame.get("timestamp") instanceof JsonPrimitive)) {
            return frame.toString(); // not an envelope: sent unsigned
        }
        JsonObject signed = new JsonObject();
        signed.add("content_encoding", orEmpty(frame.get("content_encoding")));
        JsonElement meta = frame.get("meta");
        signed.add("meta", meta == null || meta.isJsonNull() ? new JsonObject() : meta);
        signed.add("nonce", frame.get("nonce"));
        signed.add("payload", frame.get("payload"));
        signed.add("prev_message_hash", orEmpty(frame.get("prev_message_hash")));
        signed.add("session_id", orEmpty(frame.get("session_id")));
        signed.add("thread_id", orEmpty(frame.get("thread_id")));
        signed.add("timestamp", frame.get("timestamp"));
        signed.add("type", frame.get("type"));
        frame.addProperty("signature", hmacHex(CanonicalJson.write(signed)));
        return frame.toString();
    }

    private static JsonElement orEmpty(JsonElement value) {
        return value == null || value.isJsonNull() || (value.isJsonPrimitive() && value.getAsString().isEmpty())
                ? new JsonPrimitive("") : value;
    }

    private String hmacHex(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Sends an envelope (signed when the run signs). */
    public void send(Session session, JsonObject envelope) {
        session.peer().send(text(envelope));
    }

    /** Sends an envelope of {@code type} with {@code payload}, after {@code tweak} changed it. */
    public void send(Session session, String type, JsonObject payload, Consumer<JsonObject> tweak) {
        JsonObject envelope = envelope(session, type, payload);
        tweak.accept(envelope);
        send(session, envelope);
    }

    /** Sends a ping on the session. */
    public void ping(Session session) {
        send(session, envelope(session, "ping", new JsonObject()));
    }

    // ---- Expectations -------------------------------------------------------------------------------------------

    /** Reads until a message of {@code type}; other messages (application replies) are skipped. */
    public JsonObject awaitType(Peer peer, String type, String waitingFor) {
        long deadline = System.nanoTime() + options.replyTimeout().toNanos();
        List<String> instead = new ArrayList<>();
        while (true) {
            JsonObject message = nextBefore(peer, deadline, waitingFor);
            if (message == null) {
                throw new CaseFailed("No " + type + " within " + options.replyTimeout().toMillis() + " ms while "
                        + "waiting for " + waitingFor + arrivedInstead(instead) + closedNote(peer));
            }
            if (type.equals(Json.type(message))) {
                return message;
            }
            inconclusiveIfRateLimited(message, waitingFor);
            instead.add(describe(message));
        }
    }

    /** Reads until a message the application sent (not a pong, ack or error) and returns it. */
    public JsonObject awaitPush(Peer peer, String waitingFor) {
        long deadline = System.nanoTime() + options.replyTimeout().toNanos();
        List<String> instead = new ArrayList<>();
        while (true) {
            JsonObject message = nextBefore(peer, deadline, waitingFor);
            if (message == null) {
                throw new CaseFailed("Nothing from the application within " + options.replyTimeout().toMillis()
                        + " ms while waiting for " + waitingFor + arrivedInstead(instead) + closedNote(peer));
            }
            String type = Json.type(message);
            if ("error".equals(type)) {
                inconclusiveIfRateLimited(message, waitingFor);
                throw new CaseFailed("Got error " + Json.errorCode(message) + " while waiting for " + waitingFor);
            }
            if (!"pong".equals(type) && !"handshake_ack".equals(type)) {
                return message;
            }
            instead.add(describe(message));
        }
    }

    /**
     * Reads until the first {@code error}, whatever its code: for cases about what every error does (its form, its
     * ids, the connection staying open), whose faults are not the code's; the code is its own case's business.
     */
    public JsonObject expectAnyError(Peer peer, String after) {
        long deadline = System.nanoTime() + options.replyTimeout().toNanos();
        List<String> instead = new ArrayList<>();
        while (true) {
            JsonObject message = nextBefore(peer, deadline, "an error after " + after);
            if (message == null) {
                throw new CaseFailed("No error within " + options.replyTimeout().toMillis() + " ms after " + after
                        + arrivedInstead(instead) + closedNote(peer));
            }
            if ("error".equals(Json.type(message))) {
                return message;
            }
            instead.add(describe(message));
        }
    }

    /**
     * Reads until the first {@code error} and checks its code.
     *
     * @throws CaseFailed when no error arrives, the code differs, or a pong arrives first (the message was
     *     processed instead of refused)
     */
    public JsonObject expectError(Peer peer, String code, String after) {
        long deadline = System.nanoTime() + options.replyTimeout().toNanos();
        List<String> instead = new ArrayList<>();
        while (true) {
            JsonObject message = nextBefore(peer, deadline, code + " after " + after);
            if (message == null) {
                throw new CaseFailed("No " + code + " error within " + options.replyTimeout().toMillis() + " ms after "
                        + after + arrivedInstead(instead) + closedNote(peer));
            }
            if ("error".equals(Json.type(message))) {
                String received = Json.errorCode(message);
                if (!code.equals(RATE_LIMITED)) {
                    inconclusiveIfRateLimited(message, code + " after " + after);
                }
                check(code.equals(received), "Expected error " + code + " after " + after + ", got " + received);
                return message;
            }
            instead.add(describe(message));
        }
    }

    /**
     * Pings and checks that the connection still works: the first {@code pong} arrives and no {@code error}
     * comes before it (so whatever was sent before was accepted).
     */
    public JsonObject expectAlive(Session session, String after) {
        check(!session.peer().isClosed(), "The server closed the connection after " + after + closedNote(
                session.peer()));
        ping(session);
        long deadline = System.nanoTime() + options.replyTimeout().toNanos();
        List<String> instead = new ArrayList<>();
        while (true) {
            JsonObject message = nextBefore(session.peer(), deadline, "pong after " + after);
            if (message == null) {
                throw new CaseFailed("No pong within " + options.replyTimeout().toMillis() + " ms to a ping sent after "
                        + after + arrivedInstead(instead) + closedNote(session.peer()));
            }
            String type = Json.type(message);
            if ("error".equals(type)) {
                inconclusiveIfRateLimited(message, "a pong after " + after);
                throw new CaseFailed("Got error " + Json.errorCode(message) + " after " + after
                        + " (it must be accepted)");
            }
            if ("pong".equals(type)) {
                return message;
            }
            instead.add(describe(message));
        }
    }

    /** The next message before {@code deadline} ({@link System#nanoTime()}), or {@code null} when none came. */
    private static JsonObject nextBefore(Peer peer, long deadline, String waitingFor) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        return left.isNegative() || left.isZero() ? null : peer.nextJsonOrNull(left, waitingFor);
    }

    /**
     * A rate limit the run was not told about answered instead of the rule under test: the case cannot decide, and
     * must not accuse a server for a limit it is allowed to have.
     */
    private static void inconclusiveIfRateLimited(JsonObject message, String waitingFor) {
        if ("error".equals(Json.type(message)) && RATE_LIMITED.equals(Json.errorCode(message))) {
            throw new CaseInconclusive("The server answered " + RATE_LIMITED + " while the suite waited for "
                    + waitingFor + ": its rate limit, which the run was not told about, decided instead of the rule"
                    + " under test. Run the case alone (--only) or raise the limit for the test.");
        }
    }

    /** What arrived while waiting for something else, so that a failure never reads as silence when it was not. */
    private static String arrivedInstead(List<String> instead) {
        return instead.isEmpty() ? "; nothing else arrived" : "; arrived instead: " + String.join(", ", instead);
    }

    /** Checks that the server closes the connection with {@code code}. */
    public void expectClose(Peer peer, int code, String after) {
        Peer.Close close = peer.awaitClose(options.replyTimeout());
        check(close != null, "The server did not close the connection within " + options.replyTimeout().toMillis()
                + " ms after " + after + " (expected close " + code + ")");
        check(close.code() == code, "Expected close " + code + " after " + after + ", got " + close.code()
                + (close.reason().isEmpty() ? "" : " \"" + close.reason() + "\""));
    }

    private static String closedNote(Peer peer) {
        Peer.Close close = peer.awaitClose(Duration.ZERO);
        return close == null ? "" : "; the connection was closed (" + close.code() + " " + close.reason() + ")";
    }

    /** A short description of a message for failure texts. */
    public static String describe(JsonObject message) {
        String type = Json.type(message);
        return "error".equals(type) ? "error " + Json.errorCode(message) : String.valueOf(type);
    }

    public static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    public static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    @Override
    public void close() {
        for (Peer peer : peers) {
            peer.close();
        }
    }
}
