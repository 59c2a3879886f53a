package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonObject;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.transport.HttpReply;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/**
 * The server's HTTP endpoints besides WebSocket: {@code /health}, {@code /ready}, {@code /metrics} and the admin
 * API (drain here; push and broadcast in {@link AdminApi}). docs/server.md lists every answer.
 */
final class HttpEndpoints {
    static final HttpReply NOT_FOUND = json(404, "{\"error\":\"not found\"}");

    private final LtpEngine engine;
    private final AdminApi admin;

    HttpEndpoints(LtpEngine engine) {
        this.engine = engine;
        this.admin = new AdminApi(engine, this);
    }

    /** Answers a request; only the admin pushes and, in a cluster, {@code /health} complete later. */
    CompletableFuture<HttpReply> answer(String method, String path, String authorization, String body) {
        return switch (path) {
            case "/health" -> "GET".equals(method) ? health() : done(methodNotAllowed());
            case "/ready" -> done("GET".equals(method) ? readiness() : methodNotAllowed());
            case "/metrics" -> done("GET".equals(method)
                    ? new HttpReply(200, "text/plain; version=0.0.4; charset=utf-8", engine.metrics().scrape())
                    : methodNotAllowed());
            case "/admin/drain" -> done(drain(method, authorization));
            case "/admin/push" -> admin.push(method, authorization, body);
            case "/admin/broadcast" -> admin.broadcast(method, authorization, body);
            case "/example/sse" -> done(!engine.settings().examplePage() ? NOT_FOUND
                    : "GET".equals(method) ? new HttpReply(200, "text/html; charset=utf-8", examplePage())
                    : methodNotAllowed());
            default -> done(NOT_FOUND);
        };
    }

    /** The sse-v1 browser example (LtpServer.Builder.examplePage), read once. */
    private static String examplePage() {
        return ExamplePage.HTML;
    }

    /** Holds the page, loaded on first use. */
    private static final class ExamplePage {
        static final String HTML = load();

        private static String load() {
            try (java.io.InputStream in = HttpEndpoints.class.getResourceAsStream("sse-example.html")) {
                if (in == null) {
                    throw new IllegalStateException("sse-example.html is missing from the jar");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private CompletableFuture<HttpReply> health() {
        StoreHealth store = engine.storeHealth();
        JsonObject body = new JsonObject();
        body.addProperty("status", engine.draining() ? "draining" : store.healthy() ? "ok" : "degraded");
        body.addProperty("connections", engine.activeConnections());
        JsonObject threads = new JsonObject();
        threads.addProperty("live", engine.liveThreads());
        threads.addProperty("stored", engine.storedThreads());
        body.add("threads", threads);
        body.add("store", store.toJson());
        body.addProperty("uptime_seconds", (engine.clock().millis() - engine.startedMillis()) / 1000);
        body.addProperty("version", LtpServer.VERSION);
        ClusterRouter cluster = engine.cluster();
        if (cluster == null) {
            return done(json(200, body.toString()));
        }
        return cluster.describe().thenApply(described -> {
            body.add("cluster", described);
            return json(200, body.toString());
        });
    }

    private HttpReply readiness() {
        boolean ready = engine.isReady();
        JsonObject body = new JsonObject();
        body.addProperty("ready", ready);
        if (!ready) {
            body.addProperty("reason", engine.draining() ? "draining" : !engine.started() ? "starting"
                    : !engine.storeHealth().healthy() ? "thread store failing" : "cluster bus disconnected");
        }
        return json(ready ? 200 : 503, body.toString());
    }

    private HttpReply drain(String method, String authorization) {
        HttpReply refused = refusal(method, authorization);
        if (refused != null) {
            return refused;
        }
        engine.drain();
        return json(202, "{\"draining\":true}");
    }

    /** The answer refusing an admin request, or {@code null} when it may go on. */
    HttpReply refusal(String method, String authorization) {
        String token = engine.settings().adminToken();
        if (token == null) {
            return NOT_FOUND;
        }
        if (!"POST".equals(method)) {
            return methodNotAllowed();
        }
        if (!bearerMatches(authorization, token)) {
            return json(401, "{\"error\":\"unauthorized\"}");
        }
        return null;
    }

    /**
     * Whether {@code authorization} is {@code Bearer <token>} with the scheme in any case (RFC 9110 §11.1), compared
     * in constant time.
     */
    static boolean bearerMatches(String authorization, String token) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    static HttpReply methodNotAllowed() {
        return json(405, "{\"error\":\"method not allowed\"}");
    }

    static HttpReply json(int status, String body) {
        return new HttpReply(status, "application/json", body);
    }

    static CompletableFuture<HttpReply> done(HttpReply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
