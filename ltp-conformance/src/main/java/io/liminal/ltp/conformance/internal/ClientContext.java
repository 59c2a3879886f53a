package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.liminal.ltp.conformance.ClientUnderTest;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.conformance.internal.ScriptedServer.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The client-role context: a fresh scripted server per case, the client under test (reset at the start, stopped
 * at the end), and helpers that play the server's side of the protocol.
 */
public final class ClientContext extends CaseContext {
    /** How long a client may take to (re)connect after being started. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private final ClientUnderTest client;
    private final ScriptedServer server;
    private boolean running;

    public ClientContext(ClientUnderTest client, SuiteOptions options, Evidence evidence) {
        super(options, evidence);
        this.client = client;
        this.server = ScriptedServer.start(evidence);
        try {
            client.reset();
        } catch (Exception e) {
            throw new CaseFailed("Could not reset the client under test: " + e);
        }
    }

    /** A message the client sent, parsed, with its arrival time. */
    public record Received(JsonObject json, long atNanos) {
    }

    // ---- The client under test ------------------------------------------------------------------------------------

    /** Starts the client against this case's server. */
    public void startClient() {
        evidence.note("start the client against " + server.url());
        try {
            client.start(server.url());
            running = true;
        } catch (Exception e) {
            throw new CaseFailed("Could not start the client under test: " + e);
        }
    }

    /** Stops the client (a client-initiated disconnect). */
    public void stopClient() {
        evidence.note("stop the client");
        try {
            client.stop();
        } catch (Exception e) {
            throw new CaseFailed("Could not stop the client under test: " + e);
        } finally {
            running = false;
        }
    }

    // ---- Connections --------------------------------------------------------------------------------------------

    /** The next connection of the client; fails when none arrives in time. */
    public Connection awaitConnection(String why) {
        Connection connection = server.nextConnection(CONNECT_TIMEOUT);
        check(connection != null, "The client did not connect within " + CONNECT_TIMEOUT.toSeconds() + " s (" + why
                + ")");
        return connection;
    }

    /** The next connection within {@code timeout}, or {@code null}. */
    public Connection nextConnection(Duration timeout) {
        return server.nextConnection(timeout);
    }

    /** The next message on {@code connection} as a JSON object; fails when none arrives or it is not one. */
    public JsonObject next(Connection connection, Duration timeout, String waitingFor) {
        Peer.Message message = connection.next(timeout);
        if (message == null) {
            Peer.Close close = connection.awaitClose(Duration.ZERO);
            throw new CaseFailed("No message from the client within " + timeout.toMillis() + " ms while waiting for "
                    + waitingFor + (close == null ? "" : "; it closed the connection (" + close.code() + ")"));
        }
        JsonObject json = Json.objectOrNull(message.text());
        check(json != null, "The client sent something that is not one JSON object: " + message.text());
        check(!message.binary(), "The client sent a binary frame; LTP messages are text");
        return json;
    }

    /** The client's first message on a connection, which must be a handshake. */
    public JsonObject awaitHandshake(Connection connection) {
        JsonObject handshake = next(connection, options.replyTimeout().multipliedBy(3), "the handshake");
        String type = Json.type(handshake);
        check("handshake_init".equals(type) || "handshake_resume".equals(type),
                "The client's first message is " + type + ", not a handshake");
        return handshake;
    }

    /** Sends {@code handshake_ack} with the given ids and the options' heartbeat interval. */
    public JsonObject ack(Connection connection, String version, String threadId, String sessionId, boolean resumed) {
        return ack(connection, version, threadId, sessionId, resumed, options.clientHeartbeatMs());
    }

    /** Sends {@code handshake_ack}. */
    public JsonObject ack(Connection connection, String version, String threadId, String sessionId, boolean resumed,
            long heartbeatMs) {
        JsonObject ack = new JsonObject();
        ack.addProperty("type", "handshake_ack");
        ack.addProperty("ltp_version", version);
        ack.addProperty("thread_id", threadId);
        ack.addProperty("session_id", sessionId);
        JsonArray capabilities = new JsonArray();
        capabilities.add("basic-state-update");
        capabilities.add("ping-pong");
        capabilities.add("events");
        ack.add("server_capabilities", capabilities);
        ack.addProperty("heartbeat_interval_ms", heartbeatMs);
        ack.addProperty("resumed", resumed);
        JsonObject metadata = new JsonObject();
        metadata.addProperty("server_version", "ltp-conformance");
        ack.add("metadata", metadata);
        connection.send(ack);
        return ack;
    }

    /** Sends {@code handshake_reject}. */
    public void reject(Connection connection, String reason, Boolean suggestNew) {
        JsonObject reject = new JsonObject();
        reject.addProperty("type", "handshake_reject");
        reject.addProperty("ltp_version", "0.3");
        reject.addProperty("reason", reason);
        if (suggestNew != null) {
            reject.addProperty("suggest_new", suggestNew);
        }
        connection.send(reject);
    }

    /** An error in the payload form. */
    public static JsonObject error(String code, String message, String threadId, String sessionId) {
        JsonObject error = new JsonObject();
        error.addProperty("type", "error");
        if (threadId != null) {
            error.addProperty("thread_id", threadId);
            error.addProperty("session_id", sessionId);
        }
        error.addProperty("timestamp", ServerContext.nowSeconds());
        JsonObject payload = new JsonObject();
        payload.addProperty("error_code", code);
        payload.addProperty("error_message", message);
        payload.add("details", new JsonObject());
        error.add("payload", payload);
        return error;
    }

    /** A server envelope on the given ids. */
    public static JsonObject envelope(String type, String threadId, String sessionId, JsonObject payload) {
        JsonObject envelope = new JsonObject();
        envelope.addProperty("type", type);
        envelope.addProperty("thread_id", threadId);
        envelope.addProperty("session_id", sessionId);
        envelope.addProperty("timestamp", ServerContext.nowSeconds());
        envelope.add("payload", payload);
        envelope.add("meta", new JsonObject());
        envelope.addProperty("nonce", "server-" + System.currentTimeMillis() + "-" + ServerContext.randomHex(16));
        return envelope;
    }

    /** Accepts the client's next connection with a fresh thread (init) or the given thread (resume). */
    public Session acceptSession(String why) {
        Connection connection = awaitConnection(why);
        JsonObject handshake = awaitHandshake(connection);
        String threadId = "handshake_resume".equals(Json.type(handshake)) ? Json.string(handshake, "thread_id")
                : UUID.randomUUID().toString();
        String sessionId = UUID.randomUUID().toString();
        ack(connection, "0.3", threadId, sessionId, "handshake_resume".equals(Json.type(handshake)));
        return new Session(connection, handshake, threadId, sessionId);
    }

    /** A connection after its handshake: what the client sent and the ids the suite gave it. */
    public record Session(Connection connection, JsonObject handshake, String threadId, String sessionId) {
        /** The client id of the handshake. */
        public String clientId() {
            return Json.string(handshake, "client_id");
        }
    }

    /**
     * Plays the server for {@code duration}: answers each ping with a pong (unless {@code answerPings} is false)
     * and returns everything the client sent. Stops early when the client closes.
     */
    public List<Received> serve(Session session, Duration duration, boolean answerPings) {
        List<Received> received = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0 || session.connection().isClosed()) {
                return received;
            }
            Peer.Message message = session.connection().next(Duration.ofNanos(left));
            if (message == null) {
                continue;
            }
            long at = System.nanoTime();
            JsonObject json = Json.objectOrNull(message.text());
            check(json != null, "The client sent something that is not one JSON object: " + message.text());
            check(!message.binary(), "The client sent a binary frame; LTP messages are text");
            received.add(new Received(json, at));
            if (answerPings && "ping".equals(Json.type(json))) {
                session.connection().send(envelope("pong", session.threadId(), session.sessionId(), new JsonObject()));
            }
        }
    }

    /** The messages of {@code type} among {@code received}. */
    public static List<Received> ofType(List<Received> received, String type) {
        return received.stream().filter(r -> type.equals(Json.type(r.json()))).toList();
    }

    @Override
    public void close() {
        if (running) {
            try {
                client.stop();
            } catch (Exception e) {
                evidence.note("stopping the client failed: " + e);
            }
        }
        server.close();
        try {
            client.reset();
        } catch (Exception e) {
            evidence.note("resetting the client failed: " + e);
        }
    }
}
