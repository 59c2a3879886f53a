package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.security.EnvelopeSigner;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/** The server-role context: opens scripted client connections to the server under test and reads its answers. */
public final class ServerContext extends CaseContext {
    /** The subprotocol a client offers by default (LTP-TR-001). */
    public static final List<String> DEFAULT_SUBPROTOCOLS = List.of("ltp.v0.3");
    private static final String RATE_LIMITED = "RATE_LIMIT_EXCEEDED";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Parses what the suite itself built, to sign it; no limits, so oversized test frames pass. */
    private static final LtpCodec SIGNING_CODEC = LtpCodec.withLimits(Limits.builder()
            .maxMessageBytes(Integer.MAX_VALUE).maxStringBytes(Integer.MAX_VALUE).maxPayloadDepth(1_000)
            .maxNestingDepth(1_000).build());

    private final URI url;
    private final List<WsPeer> peers = new ArrayList<>();
    private final EnvelopeSigner signer;

    public ServerContext(URI url, SuiteOptions options, Evidence evidence) {
        super(options, evidence);
        this.url = url;
        this.signer = options.signingSecret() == null ? null : EnvelopeSigner.hmacSha256(options.signingSecret());
    }

    /** A handshaken connection: its peer and the ids the ack gave it. */
    public record Session(WsPeer peer, String clientId, String threadId, String sessionId, JsonObject ack) {
    }

    // ---- Connections ------------------------------------------------------------------------------------------

    /** Opens a connection offering {@code ltp.v0.3}. */
    public WsPeer open() {
        return open(DEFAULT_SUBPROTOCOLS);
    }

    /** Opens a connection offering these subprotocols. */
    public WsPeer open(List<String> subprotocols) {
        WsPeer peer = WsPeer.connect("conn#" + (peers.size() + 1), url, subprotocols, options.headers(),
                options.sslContext(), options.replyTimeout(), evidence);
        peers.add(peer);
        return peer;
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
    public Session handshake(WsPeer peer, String clientId) {
        peer.send(init(clientId, "0.3").toString());
        return acked(peer, clientId, "handshake_ack to handshake_init");
    }

    /** Sends {@code handshake_resume} of {@code threadId} and waits for the ack. */
    public Session resume(WsPeer peer, String clientId, String threadId) {
        peer.send(resumeFrame(clientId, threadId).toString());
        return acked(peer, clientId, "handshake_ack to handshake_resume");
    }

    private Session acked(WsPeer peer, String clientId, String waitingFor) {
        JsonObject ack = peer.nextJson(options.replyTimeout(), waitingFor);
        check("handshake_ack".equals(Json.type(ack)), "Expected handshake_ack, got " + describe(ack));
        String thread = Json.string(ack, "thread_id");
        String session = Json.string(ack, "session_id");
        check(thread != null && !thread.isEmpty() && session != null && !session.isEmpty(),
                "The ack lacks a non-empty string thread_id or session_id");
        return new Session(peer, clientId, thread, session, ack);
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

    /** Signs the frame if the run has a signing secret and the frame is a well-formed envelope; then its text. */
    public String text(JsonObject frame) {
        if (signer == null) {
            return frame.toString();
        }
        try {
            LtpMessage message = SIGNING_CODEC.decode(frame.toString());
            if (message instanceof Envelope envelope) {
                frame.addProperty("signature", signer.sign(envelope));
            }
        } catch (LtpProtocolException e) {
            // A deliberately malformed frame: sent unsigned.
        }
        return frame.toString();
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
    public JsonObject awaitType(WsPeer peer, String type, String waitingFor) {
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

    /**
     * Reads until the first {@code error} and checks its code.
     *
     * @throws CaseFailed when no error arrives, the code differs, or a pong arrives first (the message was
     *     processed instead of refused)
     */
    public JsonObject expectError(WsPeer peer, String code, String after) {
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
    private static JsonObject nextBefore(WsPeer peer, long deadline, String waitingFor) {
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
    public void expectClose(WsPeer peer, int code, String after) {
        WsPeer.Close close = peer.awaitClose(options.replyTimeout());
        check(close != null, "The server did not close the connection within " + options.replyTimeout().toMillis()
                + " ms after " + after + " (expected close " + code + ")");
        check(close.code() == code, "Expected close " + code + " after " + after + ", got " + close.code()
                + (close.reason().isEmpty() ? "" : " \"" + close.reason() + "\""));
    }

    private static String closedNote(WsPeer peer) {
        WsPeer.Close close = peer.awaitClose(Duration.ZERO);
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
        for (WsPeer peer : peers) {
            peer.close();
        }
    }
}
