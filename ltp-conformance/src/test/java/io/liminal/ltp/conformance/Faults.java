package io.liminal.ltp.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.conformance.FaultProxy.Fault;
import io.liminal.ltp.conformance.FaultProxy.Link;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** What the fault corpora ({@link ServerFaults}, {@link ClientFaults}) are built from: JSON reading and fault kinds. */
final class Faults {
    private Faults() {
    }

    /** An error in the payload form, as a faulty server would send it. */
    static String error(String code, String message) {
        JsonObject payload = new JsonObject();
        payload.addProperty("error_code", code);
        payload.addProperty("error_message", message);
        payload.add("details", new JsonObject());
        JsonObject error = new JsonObject();
        error.addProperty("type", "error");
        error.addProperty("timestamp", System.currentTimeMillis() / 1000);
        error.add("payload", payload);
        return error.toString();
    }

    /** The UTF-8 length of the longest string value or key in {@code element}. */
    static int longestString(JsonElement element) {
        if (element.isJsonPrimitive() && element.getAsJsonPrimitive().isString()) {
            return element.getAsString().getBytes(StandardCharsets.UTF_8).length;
        }
        int longest = 0;
        if (element.isJsonObject()) {
            for (java.util.Map.Entry<String, JsonElement> member : element.getAsJsonObject().entrySet()) {
                longest = Math.max(longest, Math.max(member.getKey().getBytes(StandardCharsets.UTF_8).length,
                        longestString(member.getValue())));
            }
        } else if (element.isJsonArray()) {
            for (JsonElement item : element.getAsJsonArray()) {
                longest = Math.max(longest, longestString(item));
            }
        }
        return longest;
    }

    static JsonObject parse(String text) {
        try {
            JsonElement element = JsonParser.parseString(text);
            return element.isJsonObject() ? element.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String type(String text) {
        return type(parse(text));
    }

    static String type(JsonObject json) {
        return string(json, "type");
    }

    static String string(JsonObject json, String name) {
        return json != null && json.has(name) && json.get(name).isJsonPrimitive() ? json.get(name).getAsString()
                : null;
    }

    static String code(JsonObject json) {
        if (json == null || !"error".equals(type(json)) || !json.has("payload")) {
            return null;
        }
        return string(json.getAsJsonObject("payload"), "error_code");
    }

    static void rename(JsonObject json, String from, String to) {
        if (from.equals(code(json))) {
            json.getAsJsonObject("payload").addProperty("error_code", to);
        }
    }

    /**
     * Closes the client's side 1000 heartbeat_timeout once the client sent nothing that {@code counts} as activity
     * for more than {@code silentIntervals} heartbeat intervals (as the ack announced), checked
     * {@code checksPerInterval} times an interval.
     */
    static Fault idleCloser(Predicate<String> counts, int silentIntervals, int checksPerInterval) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idle-fault");
            thread.setDaemon(true);
            return thread;
        });
        return new Fault() {
            @Override
            public List<String> toServer(String text, Link link) {
                if (counts.test(text)) {
                    link.state().put("lastActivity", System.nanoTime());
                }
                return List.of(text);
            }

            @Override
            public List<String> toClient(String text, Link link) {
                JsonObject json = parse(text);
                if (json != null && "handshake_ack".equals(type(json))) {
                    long interval = json.get("heartbeat_interval_ms").getAsLong();
                    link.state().put("lastActivity", System.nanoTime());
                    long period = interval / checksPerInterval;
                    timer.scheduleAtFixedRate(() -> {
                        long idleMs = (System.nanoTime() - (long) link.state().get("lastActivity")) / 1_000_000;
                        if (idleMs > silentIntervals * interval) {
                            link.closeClient(1000, "heartbeat_timeout");
                        }
                    }, period, period, TimeUnit.MILLISECONDS);
                }
                return List.of(text);
            }
        };
    }

    /** Once the server has sent a handshake_reject, the client's handshake_inits never reach it. */
    static Fault dropsInitsAfterAReject() {
        return new Fault() {
            @Override
            public List<String> toClient(String text, Link link) {
                if ("handshake_reject".equals(type(text))) {
                    link.state().put("rejected", true);
                }
                return List.of(text);
            }

            @Override
            public List<String> toServer(String text, Link link) {
                return link.state().containsKey("rejected") && "handshake_init".equals(type(text)) ? List.of()
                        : List.of(text);
            }
        };
    }

    /** Passes an error with {@code errorCode} on, then closes the client's side with {@code closeCode}. */
    static Fault closesAfterError(String errorCode, int closeCode, String reason) {
        return new Fault() {
            @Override
            public List<String> toClient(String text, Link link) {
                if (errorCode.equals(code(parse(text)))) {
                    link.sendToClient(text);
                    link.closeClient(closeCode, reason);
                    return List.of();
                }
                return List.of(text);
            }
        };
    }

    /** A fault that rewrites every JSON object the server sends. */
    static Fault toClient(UnaryOperator<JsonObject> rewrite) {
        return new Fault() {
            @Override
            public List<String> toClient(String text, Link link) {
                return rewritten(text, rewrite);
            }
        };
    }

    /** A fault that rewrites every JSON object the client sends. */
    static Fault toServer(UnaryOperator<JsonObject> rewrite) {
        return new Fault() {
            @Override
            public List<String> toServer(String text, Link link) {
                return rewritten(text, rewrite);
            }
        };
    }

    /** {@code text} rewritten when it is a JSON object, else as it is. */
    private static List<String> rewritten(String text, UnaryOperator<JsonObject> rewrite) {
        JsonObject json = parse(text);
        return List.of(json == null ? text : rewrite.apply(json).toString());
    }
}
