package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.server.cluster.ClusterException;
import io.liminal.ltp.server.transport.HttpReply;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /admin/push} and {@code POST /admin/broadcast}: how a backend or an operator sends to clients without
 * embedding the server. Bearer auth with the admin token; both work on a single node and cluster-wide
 * (docs/server.md lists the answers).
 */
final class AdminApi {
    /** Types a backend may push: what a server sends anyway. Handshakes, pings and errors are the server's own. */
    private static final Set<String> PUSHABLE = Set.of(MessageTypes.EVENT, MessageTypes.STATE_UPDATE);

    private final LtpEngine engine;
    private final HttpEndpoints endpoints;

    AdminApi(LtpEngine engine, HttpEndpoints endpoints) {
        this.engine = engine;
        this.endpoints = endpoints;
    }

    /** {@code {"thread_id": "...", "envelope": {...}}}: answers {@code {"delivered": N}}, N cluster-wide. */
    CompletableFuture<HttpReply> push(String method, String authorization, String body) {
        HttpReply refused = endpoints.refusal(method, authorization);
        if (refused != null) {
            return CompletableFuture.completedFuture(refused);
        }
        JsonObject request;
        String threadId;
        Envelope envelope;
        try {
            request = object(body);
            JsonElement thread = request.get("thread_id");
            if (thread == null || !thread.isJsonPrimitive() || !thread.getAsJsonPrimitive().isString()
                    || thread.getAsString().isEmpty()) {
                return badRequest("thread_id must be a non-empty string");
            }
            threadId = thread.getAsString();
            envelope = envelope(request);
        } catch (BadRequest e) {
            return badRequest(e.getMessage());
        }
        // The store may block: asked off the I/O thread that serves the request.
        return CompletableFuture.supplyAsync(() -> engine.store().find(threadId).isPresent(), engine.blockingExecutor())
                .thenCompose(exists -> exists ? answer(engine.pushTo(threadId, envelope))
                        : CompletableFuture.completedFuture(HttpEndpoints.json(404, "{\"error\":\"thread not found\"}")));
    }

    /** {@code {"envelope": {...}}}: answers {@code {"delivered": N}}, N cluster-wide. */
    CompletableFuture<HttpReply> broadcast(String method, String authorization, String body) {
        HttpReply refused = endpoints.refusal(method, authorization);
        if (refused != null) {
            return CompletableFuture.completedFuture(refused);
        }
        Envelope envelope;
        try {
            envelope = envelope(object(body));
        } catch (BadRequest e) {
            return badRequest(e.getMessage());
        }
        return answer(engine.broadcast(envelope));
    }

    private static CompletableFuture<HttpReply> answer(CompletableFuture<Integer> delivered) {
        return delivered.handle((count, error) -> {
            if (error == null) {
                return HttpEndpoints.json(200, "{\"delivered\":" + count + "}");
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            JsonObject body = new JsonObject();
            if (cause instanceof ClusterException) {
                body.addProperty("error", "cluster unavailable");
                body.addProperty("detail", Redaction.redact(cause.getMessage()));
            } else {
                body.addProperty("error", "not delivered");
                body.addProperty("detail", LogSafe.text(String.valueOf(cause.getMessage())));
            }
            return HttpEndpoints.json(503, body.toString());
        });
    }

    private static JsonObject object(String body) {
        try {
            JsonElement parsed = JsonParser.parseString(body);
            if (!parsed.isJsonObject()) {
                throw new BadRequest("the body must be a JSON object");
            }
            return parsed.getAsJsonObject();
        } catch (RuntimeException e) {
            if (e instanceof BadRequest bad) {
                throw bad;
            }
            throw new BadRequest("the body is not valid JSON");
        }
    }

    /** The envelope to send: validated like one a client sent, then sent as the server's own (it stamps it). */
    private Envelope envelope(JsonObject request) {
        JsonElement element = request.get("envelope");
        if (element == null || !element.isJsonObject()) {
            throw new BadRequest("envelope must be an object");
        }
        JsonObject envelope = element.getAsJsonObject().deepCopy();
        // The server sets these per connection; a backend need not invent them.
        envelope.addProperty("thread_id", "");
        envelope.addProperty("session_id", "");
        if (!envelope.has("timestamp")) {
            envelope.addProperty("timestamp", 0);
        }
        Envelope decoded;
        try {
            decoded = (Envelope) engine.codec().decode(envelope.toString());
        } catch (LtpProtocolException | ClassCastException e) {
            throw new BadRequest("invalid envelope: " + LogSafe.text(e.getMessage()));
        }
        if (!PUSHABLE.contains(decoded.type()) && !decoded.type().contains(":")) {
            throw new BadRequest("envelope type must be event, state_update or a custom namespace:type");
        }
        return decoded.withNonce(null).withSignature(null);
    }

    private static CompletableFuture<HttpReply> badRequest(String why) {
        JsonObject body = new JsonObject();
        body.addProperty("error", why);
        return CompletableFuture.completedFuture(HttpEndpoints.json(400, body.toString()));
    }

    /** A request the API refuses with 400, naming what is wrong. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
