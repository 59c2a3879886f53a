package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.internal.ServerCases.UUID_V4;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.liminal.ltp.conformance.internal.ServerContext.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The server-role cases of §3, the handshake (see {@link ServerCases}). */
final class ServerHandshakeCases {
    private ServerHandshakeCases() {
    }

    // ---- §3 Handshake ---------------------------------------------------------------------------------------------

    static void initAck(ServerContext c) {
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

    static void resumeAck(ServerContext c) {
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

    private static JsonObject rejectUnknown(ServerContext c, Peer peer, String clientId) {
        peer.send(c.resumeFrame(clientId, UUID.randomUUID().toString()).toString());
        JsonObject reject = peer.nextJson(c.options().replyTimeout(), "handshake_reject");
        c.check("handshake_reject".equals(Json.type(reject)), "Expected handshake_reject, got "
                + ServerContext.describe(reject));
        return reject;
    }

    static void unknownThreadRejected(ServerContext c) {
        Peer peer = c.open();
        JsonObject reject = rejectUnknown(c, peer, c.newClientId());
        c.check("thread_not_found".equals(Json.string(reject, "reason")), "reason is " + reject.get("reason")
                + ", expected \"thread_not_found\"");
        JsonElement suggest = reject.get("suggest_new");
        c.check(suggest != null && suggest.isJsonPrimitive() && suggest.getAsJsonPrimitive().isBoolean()
                && suggest.getAsBoolean(), "suggest_new is not true: " + suggest);
        c.check(Json.string(reject, "ltp_version") != null, "handshake_reject lacks ltp_version");
        c.check(peer.awaitClose(Duration.ofMillis(300)) == null, "The server closed the connection after the reject");
    }

    static void initAfterReject(ServerContext c) {
        Peer peer = c.open();
        String clientId = c.newClientId();
        rejectUnknown(c, peer, clientId);
        Session session = c.handshake(peer, clientId);
        c.expectAlive(session, "an init that followed a reject");
    }

    static void initNeverRejected(ServerContext c) {
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
            Peer peer = c.open();
            peer.send(init.toString());
            JsonObject answer = peer.nextJson(c.options().replyTimeout(), "the answer to handshake_init");
            c.check(!"handshake_reject".equals(Json.type(answer)), "handshake_init was answered with handshake_reject");
            c.check("handshake_ack".equals(Json.type(answer)), "Expected handshake_ack to a valid init, got "
                    + ServerContext.describe(answer));
        }
    }

    static void versionsEchoed(ServerContext c) {
        for (String version : new String[] {"0.3", "0.2"}) {
            Peer peer = c.open();
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
    static void resumeBesideLiveConnection(ServerContext c) {
        if (c.options().server().maxConnectionsPerThread() == 1) {
            c.skip("The profile declares one connection per thread: a second one supersedes the first (A-8), which "
                    + "the per-thread cap case checks.");
        }
        Session first = c.handshake();
        Session second = c.resume(c.open(), first.clientId(), first.threadId());
        c.check(!second.sessionId().equals(first.sessionId()), "The second connection got the first one's session_id "
                + first.sessionId() + "; each connection gets its own");
        c.expectAlive(second, "resuming the thread on a second connection");
        c.expectAlive(first, "the thread was resumed on a second connection (the first must keep working)");
    }

    /** §3.6 step 7, A-8: over a declared per-thread cap, the oldest connection is closed 1000 session_superseded. */
    static void perThreadCap(ServerContext c) {
        int cap = c.options().server().maxConnectionsPerThread();
        if (cap == 0) {
            c.skip("No per-thread connection cap is declared (max_connections_per_thread in the profile); without "
                    + "one, every connection of a thread stays open, as the case beside this one checks.");
        }
        if (cap > 20) {
            c.skip("The declared per-thread cap (" + cap + ") needs more connections than the case opens (21).");
        }
        Session oldest = c.handshake();
        java.util.List<Session> sessions = new java.util.ArrayList<>(java.util.List.of(oldest));
        for (int i = 1; i < cap; i++) {
            sessions.add(c.resume(c.open(), oldest.clientId(), oldest.threadId()));
        }
        for (Session s : sessions) {
            c.expect(!s.peer().isClosed(), "A connection was closed with " + cap + " connections on the thread, "
                    + "within the declared cap of " + cap);
        }
        Session newest = c.resume(c.open(), oldest.clientId(), oldest.threadId());
        c.expectClose(oldest.peer(), 1000, "connection " + (cap + 1) + " of a thread capped at " + cap);
        Peer.Close close = oldest.peer().awaitClose(java.time.Duration.ZERO);
        c.expect(close != null && "session_superseded".equals(close.reason()), "The oldest connection was closed "
                + "with reason \"" + (close == null ? "" : close.reason()) + "\", expected \"session_superseded\"");
        c.expectAlive(newest, "the newest connection took the thread");
        for (Session s : sessions.subList(1, sessions.size())) {
            c.expectAlive(s, "the oldest connection was superseded (the others stay)");
        }
    }

    /** §3.6 step 7: pushes to a thread reach every live connection of it (needs a declared push trigger). */
    static void pushesReachEveryConnection(ServerContext c) {
        JsonObject trigger = c.options().server().broadcastTrigger();
        if (trigger == null) {
            c.skip("Pushes come from the server's application; declare a broadcast_trigger in the profile (a message "
                    + "that makes the application push to the sender's thread) to check that they reach every "
                    + "connection.");
        }
        if (c.options().server().maxConnectionsPerThread() == 1) {
            c.skip("The profile declares one connection per thread: there is no second connection to reach.");
        }
        Session first = c.handshake();
        Session second = c.resume(c.open(), first.clientId(), first.threadId());
        c.send(second, Json.string(trigger, "type"), trigger.getAsJsonObject("payload"), envelope -> { });
        for (Session s : java.util.List.of(first, second)) {
            JsonObject push = c.awaitPush(s.peer(), "the push the broadcast_trigger asks for, on " + s.peer().name());
            c.expect(s.threadId().equals(Json.string(push, "thread_id")), "The push on " + s.peer().name()
                    + " carries thread_id " + push.get("thread_id") + ", not the thread's \"" + s.threadId() + "\"");
        }
    }

    static void unsupportedVersions(ServerContext c) {
        for (String version : new String[] {"0.1", "1.0", "0.4"}) {
            Peer peer = c.open();
            peer.send(c.init(c.newClientId(), version).toString());
            JsonObject error = c.expectError(peer, "UNSUPPORTED_VERSION", "an init with ltp_version " + version);
            checkSupportedVersions(c, Json.errorDetails(error).get("supported_versions"), "payload.details");
            checkSupportedVersions(c, error.get("supported_versions"), "the top-level mirror");
            c.expectClose(peer, 1002, "UNSUPPORTED_VERSION");
        }
        // The same check for a resume (§3.6: steps 1-4 apply to both), before the thread is looked at.
        Peer peer = c.open();
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

    static void malformedHandshakes(ServerContext c) {
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
            Peer peer = c.open();
            peer.send(variant[0].toString());
            c.expectError(peer, "MALFORMED_HANDSHAKE", (String) variant[1]);
            c.expectClose(peer, 1002, "MALFORMED_HANDSHAKE");
        }
    }

    static void emptyClientId(ServerContext c) {
        Peer peer = c.open();
        peer.send(c.init("", "0.3").toString());
        c.expectError(peer, "INVALID_CLIENT_ID", "an init with an empty client_id");
        c.expectClose(peer, 1008, "INVALID_CLIENT_ID");
    }

    static void foreignResumeForbidden(ServerContext c) {
        Session owner = c.handshake();
        Peer peer = c.open();
        peer.send(c.resumeFrame(c.newClientId(), owner.threadId()).toString());
        JsonObject answer = peer.nextJson(c.options().replyTimeout(), "the answer to a foreign resume");
        c.check("handshake_reject".equals(Json.type(answer)), "Another client_id resumed the thread: got "
                + ServerContext.describe(answer));
        c.check("forbidden".equals(Json.string(answer, "reason")), "reason is " + answer.get("reason")
                + ", expected \"forbidden\"");
    }
}
