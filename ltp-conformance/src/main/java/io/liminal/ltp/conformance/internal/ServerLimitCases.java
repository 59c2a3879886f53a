package io.liminal.ltp.conformance.internal;

import static io.liminal.ltp.conformance.internal.ServerMessageCases.object;
import static io.liminal.ltp.conformance.internal.ServerMessageCases.stateUpdate;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.conformance.internal.ServerContext.Session;
import java.nio.charset.StandardCharsets;

/**
 * The server-role cases of §10 and the identifier limit: every limit probed exactly at the limit (must be accepted)
 * and one past it (should be refused with the details §10 gives), see {@link ServerCases}.
 */
final class ServerLimitCases {
    static final int MAX_MESSAGE_BYTES = 1_048_576;
    static final int MAX_PAYLOAD_DEPTH = 10;
    static final int MAX_STRING_BYTES = 65_536;
    /** Filler strings stay well inside the string limit. */
    private static final int CHUNK = 60_000;

    private ServerLimitCases() {
    }

    // ---- At the limit (LTP-LIM-001, MUST) -------------------------------------------------------------------------

    static void messageAtLimit(ServerContext c) {
        Session s = c.handshake();
        JsonObject exact = sized(c, c.envelope(s, "state_update", stateUpdate("minimal", new JsonArray())),
                MAX_MESSAGE_BYTES, payloadData());
        c.send(s, exact);
        c.expectAlive(s, "a state_update of exactly " + MAX_MESSAGE_BYTES + " bytes");

        Peer peer = c.open();
        JsonObject init = sized(c, c.init(c.newClientId(), "0.3"), MAX_MESSAGE_BYTES, metadataPadding());
        peer.send(c.text(init));
        c.awaitType(peer, "handshake_ack", "the ack to a handshake_init of exactly " + MAX_MESSAGE_BYTES + " bytes");
    }

    static void depthAndStringsAtLimit(ServerContext c) {
        Session s = c.handshake();
        c.send(s, "state_update", nested(MAX_PAYLOAD_DEPTH), envelope -> { });
        c.expectAlive(s, "a payload of depth " + MAX_PAYLOAD_DEPTH);
        c.send(s, "state_update", stateUpdate("minimal", object("text",
                new JsonPrimitive("é".repeat(MAX_STRING_BYTES / 2)))), envelope -> { });
        c.expectAlive(s, "a string value of exactly " + MAX_STRING_BYTES + " UTF-8 bytes (2-byte characters)");
        c.send(s, "state_update", stateUpdate("minimal", object("k".repeat(MAX_STRING_BYTES),
                new JsonPrimitive(1))), envelope -> { });
        c.expectAlive(s, "a key of exactly " + MAX_STRING_BYTES + " bytes");
    }

    static void toonDataExempt(ServerContext c) {
        Session s = c.handshake();
        int rows = 40_000;
        StringBuilder toon = new StringBuilder("rows[").append(rows).append("]{t,v}:\n");
        for (int row = 0; row < rows; row++) {
            toon.append("  ").append(row).append(",0.5\n");
        }
        c.send(s, "state_update", stateUpdate("affect_log_v1", new JsonPrimitive(toon.toString())),
                envelope -> envelope.addProperty("content_encoding", "toon"));
        c.expectAlive(s, "a TOON state_update whose data string is " + toon.length() + " bytes (A-17: TOON data is "
                + "bounded by the message limit, not the " + MAX_STRING_BYTES + "-byte string limit)");
    }

    // ---- One past the limit (LTP-LIM-002, SHOULD) -----------------------------------------------------------------

    static void messageBeyondLimit(ServerContext c) {
        Session s = c.handshake();
        JsonObject over = sized(c, c.envelope(s, "state_update", stateUpdate("minimal", new JsonArray())),
                MAX_MESSAGE_BYTES + 1, payloadData());
        if (c.sse()) {
            // sse-v1 §4: a post over the limit is refused as a whole with 413 and the connection stays open.
            int status = s.peer().postForStatus(c.text(over));
            c.expect(status == 413, "A post of " + (MAX_MESSAGE_BYTES + 1) + " bytes should be refused with HTTP "
                    + "413 (sse-v1 §4), was " + status);
            c.expectAlive(s, "a refused post");
            return;
        }
        c.send(s, over);
        JsonObject error = c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a state_update of "
                + (MAX_MESSAGE_BYTES + 1) + " bytes");
        JsonObject details = Json.errorDetails(error);
        c.expect(Json.isInteger(details, "size_bytes") && details.get("size_bytes").getAsLong() == MAX_MESSAGE_BYTES + 1,
                "MESSAGE_TOO_LARGE details.size_bytes should be " + (MAX_MESSAGE_BYTES + 1) + ": " + details);
        c.expect(Json.isInteger(details, "max_bytes") && details.get("max_bytes").getAsLong() == MAX_MESSAGE_BYTES,
                "MESSAGE_TOO_LARGE details.max_bytes should be " + MAX_MESSAGE_BYTES + ": " + details);
        c.expectAlive(s, "MESSAGE_TOO_LARGE for a message");

        Peer peer = c.open();
        JsonObject init = sized(c, c.init(c.newClientId(), "0.3"), MAX_MESSAGE_BYTES + 1, metadataPadding());
        peer.send(c.text(init));
        c.expectError(peer, "MESSAGE_TOO_LARGE", "a handshake_init of " + (MAX_MESSAGE_BYTES + 1) + " bytes");
        c.handshake(peer, c.newClientId());
    }

    static void depthAndStringsBeyondLimit(ServerContext c) {
        Session s = c.handshake();
        c.send(s, "state_update", nested(MAX_PAYLOAD_DEPTH + 1), envelope -> { });
        JsonObject depth = Json.errorDetails(c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a payload of depth "
                + (MAX_PAYLOAD_DEPTH + 1)));
        c.expect("payload_depth".equals(Json.string(depth, "limit")) && Json.isInteger(depth, "max_depth")
                && depth.get("max_depth").getAsInt() == MAX_PAYLOAD_DEPTH && Json.isInteger(depth, "depth")
                && depth.get("depth").getAsInt() > MAX_PAYLOAD_DEPTH,
                "depth details should be {limit: payload_depth, depth > 10, max_depth: 10}: " + depth);

        c.send(s, "state_update", stateUpdate("minimal", object("summary",
                new JsonPrimitive("x".repeat(MAX_STRING_BYTES + 1)))), envelope -> { });
        JsonObject string = Json.errorDetails(c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a string of "
                + (MAX_STRING_BYTES + 1) + " bytes"));
        c.expect("string_length".equals(Json.string(string, "limit")) && Json.string(string, "field") != null
                && Json.isInteger(string, "max_bytes") && string.get("max_bytes").getAsInt() == MAX_STRING_BYTES,
                "string details should be {limit: string_length, field, max_bytes: 65536}: " + string);

        c.send(s, "state_update", stateUpdate("minimal", object("k".repeat(MAX_STRING_BYTES + 1),
                new JsonPrimitive(1))), envelope -> { });
        c.expectError(s.peer(), "MESSAGE_TOO_LARGE", "a key of " + (MAX_STRING_BYTES + 1) + " bytes");
        c.expectAlive(s, "MESSAGE_TOO_LARGE for depth, a string and a key");
    }

    // ---- Identifier limit (LTP-HS-011, declared) -------------------------------------------------------------------

    static void clientIdLimit(ServerContext c) {
        int max = c.options().server().maxClientIdBytes();
        if (max == 0) {
            c.skip("The server's client_id limit is not declared; declare max_client_id_bytes in the profile to "
                    + "probe it (the spec sets none beyond the 64 KiB string limit).");
        }
        Peer atLimit = c.open();
        c.handshake(atLimit, "c".repeat(max));
        Peer over = c.open();
        over.send(c.init("c".repeat(max + 1), "0.3").toString());
        c.expectError(over, "INVALID_CLIENT_ID", "a client_id of " + (max + 1) + " bytes (declared maximum " + max
                + ")");
        c.expectClose(over, 1008, "INVALID_CLIENT_ID");
    }

    // ---- Building frames of an exact size -------------------------------------------------------------------------

    /** Where filler goes: the array it is added to, created on first use. */
    private interface Filler {
        JsonArray array(JsonObject frame);
    }

    private static Filler payloadData() {
        return frame -> frame.getAsJsonObject("payload").getAsJsonArray("data");
    }

    private static Filler metadataPadding() {
        return frame -> {
            JsonObject metadata = frame.getAsJsonObject("metadata");
            if (!metadata.has("padding")) {
                metadata.add("padding", new JsonArray());
            }
            return metadata.getAsJsonArray("padding");
        };
    }

    /**
     * Fills {@code frame} with ASCII strings until its text, as {@link ServerContext#text} sends it (signed when the
     * run signs), is exactly {@code targetBytes} UTF-8 bytes.
     */
    static JsonObject sized(ServerContext c, JsonObject frame, int targetBytes, Filler filler) {
        JsonArray array = filler.array(frame);
        while (length(c, frame) + CHUNK + 3 < targetBytes) {
            array.add("a".repeat(CHUNK));
        }
        array.add("");
        int missing = targetBytes - length(c, frame);
        if (missing < 0) {
            throw new IllegalStateException("cannot size a frame to " + targetBytes + " bytes");
        }
        array.set(array.size() - 1, new JsonPrimitive("b".repeat(missing)));
        int size = length(c, frame);
        if (size != targetBytes) {
            throw new IllegalStateException("sized a frame to " + size + " bytes instead of " + targetBytes);
        }
        return frame;
    }

    /** The UTF-8 length of the frame as sent; a signature is 64 hex digits, so a placeholder stands in for it. */
    private static int length(ServerContext c, JsonObject frame) {
        JsonObject measured = frame;
        if (c.options().signingSecret() != null && frame.has("thread_id")) {
            measured = frame.deepCopy();
            measured.addProperty("signature", "0".repeat(64));
        }
        return measured.toString().getBytes(StandardCharsets.UTF_8).length;
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
}
