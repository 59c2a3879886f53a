package io.liminal.ltp.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.conformance.FaultProxy.Fault;
import io.liminal.ltp.conformance.FaultProxy.Link;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Faulty servers: ltp-server behind a {@link FaultProxy} that breaks exactly one rule, and the case that must
 * catch it. The rule broken is in each constant's name.
 */
enum ServerFaults {
    DROP_PONGS("LTP-MSG-001", "answers each ping", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            return "pong".equals(type(text)) ? List.of() : List.of(text);
        }
    }),
    RESUMED_FLAG_WRONG("LTP-HS-004", "acks a resume", Outcome.FAIL, toClient(json -> {
        if ("handshake_ack".equals(type(json))) {
            json.addProperty("resumed", false);
        }
        return json;
    })),
    SUPERSEDES_ON_EVERY_RESUME("LTP-HS-004", "beside a live connection", Outcome.FAIL, new Fault() {
        /** Which connection holds each thread, across the proxy's connections. */
        private final java.util.Map<String, Link> holders = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_resume".equals(type(json)) && string(json, "thread_id") != null) {
                Link older = holders.get(string(json, "thread_id"));
                if (older != null && older != link) {
                    older.closeClient(1000, "session_superseded"); // as if capped at one connection per thread
                }
            }
            return List.of(text);
        }

        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_ack".equals(type(json)) && string(json, "thread_id") != null) {
                holders.put(string(json, "thread_id"), link);
            }
            return List.of(text);
        }
    }),
    ACCEPTS_UNKNOWN_VERSION("LTP-HS-009", "answers other versions", Outcome.FAIL, toServer(json -> {
        if ("handshake_init".equals(type(json)) && !"0.2".equals(string(json, "ltp_version"))) {
            json.addProperty("ltp_version", "0.3");
        }
        return json;
    })),
    NO_CLOSE_AFTER_UNSUPPORTED_VERSION("LTP-HS-009", "answers other versions", Outcome.FAIL, new Fault() {
        @Override
        public boolean forwardServerClose(int code) {
            return code != 1002;
        }
    }),
    ACCEPTS_RESUME_OF_UNKNOWN_VERSION("LTP-HS-009", "answers other versions", Outcome.FAIL, toServer(json -> {
        if ("handshake_resume".equals(type(json)) && !"0.2".equals(string(json, "ltp_version"))) {
            json.addProperty("ltp_version", "0.3");
        }
        return json;
    })),
    ACCEPTS_INIT_WITHOUT_CLIENT_ID("LTP-HS-010", "malformed handshake", Outcome.FAIL, toServer(json -> {
        if ("handshake_init".equals(type(json)) && !json.has("client_id")) {
            json.addProperty("client_id", "made-up-by-a-lenient-server");
        }
        return json;
    })),
    ERRORS_WITHOUT_SESSION_IDS("LTP-ENV-001", "errors included", Outcome.FAIL, toClient(json -> {
        if ("error".equals(type(json))) {
            json.remove("thread_id");
            json.remove("session_id");
        }
        return json;
    })),
    MALFORMED_HANDSHAKE_MISCODED("LTP-HS-010", "malformed handshake", Outcome.FAIL, toClient(json -> {
        rename(json, "MALFORMED_HANDSHAKE", "MALFORMED_MESSAGE");
        return json;
    })),
    SELECTS_V2_OVER_V3("LTP-TR-002", "selects ltp.v0.3 when offered", Outcome.FAIL, new Fault() {
        @Override
        public String selectForClient(List<String> offered, String serverSelected) {
            return offered.contains("ltp.v0.2") ? "ltp.v0.2" : serverSelected;
        }
    }),
    REJECTS_UNUSUAL_INIT("LTP-HS-007", "never answers handshake_init", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_init".equals(type(json)) && json.has("x_unknown_field")) {
                link.sendToClient("{\"type\":\"handshake_reject\",\"ltp_version\":\"0.3\",\"reason\":\"forbidden\"}");
                return List.of();
            }
            return List.of(text);
        }
    }),
    CLOSES_ON_UNKNOWN_FIELD("LTP-ENV-002", "ignores unknown fields", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && json.keySet().stream().anyMatch(key -> key.startsWith("x_"))) {
                link.closeClient(1002, "unknown field");
                return List.of();
            }
            return List.of(text);
        }
    }),
    MISSING_FIELD_WITHOUT_DETAILS("LTP-ENV-005", "missing required field", Outcome.FAIL, toClient(json -> {
        if ("MISSING_REQUIRED_FIELD".equals(code(json))) {
            json.getAsJsonObject("payload").add("details", new JsonObject());
        }
        return json;
    })),
    DELIVERS_STALE_SESSIONS("LTP-ENV-006", "stale session", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json == null) {
                return List.of(text);
            }
            if ("handshake_ack".equals(type(json))) {
                return List.of(text);
            }
            Object session = link.state().get("session");
            if (session != null && json.has("session_id") && json.has("thread_id")) {
                json.addProperty("session_id", (String) session); // accepts any session id
            }
            return List.of(json.toString());
        }

        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_ack".equals(type(json))) {
                link.state().put("session", string(json, "session_id"));
            }
            return List.of(text);
        }
    }),
    UNKNOWN_TYPE_MISCODED("LTP-ENV-008", "unhandled types", Outcome.FAIL, toClient(json -> {
        rename(json, "UNKNOWN_MESSAGE_TYPE", "MALFORMED_MESSAGE");
        return json;
    })),
    STATE_UPDATE_WITHOUT_FIELD_DETAIL("LTP-MSG-003", "lacking kind or data", Outcome.FAIL, toClient(json -> {
        if ("INVALID_STATE_UPDATE".equals(code(json))) {
            json.getAsJsonObject("payload").getAsJsonObject("details").remove("field");
        }
        return json;
    })),
    ACCEPTS_EVENT_WITHOUT_DATA("LTP-MSG-004", "event lacking", Outcome.FAIL, toServer(json -> {
        if ("event".equals(type(json)) && json.getAsJsonObject("payload") != null
                && !json.getAsJsonObject("payload").has("data")) {
            json.getAsJsonObject("payload").addProperty("data", "filled in");
        }
        return json;
    })),
    TOP_LEVEL_ERRORS("LTP-ERR-001", "payload form", Outcome.FAIL, toClient(json -> {
        if ("error".equals(type(json)) && json.has("payload")) {
            JsonObject payload = json.getAsJsonObject("payload");
            json.remove("payload");
            json.add("error_code", payload.get("error_code"));
            json.add("error_message", payload.get("error_message"));
        }
        return json;
    })),
    CLOSES_AFTER_MALFORMED("LTP-ERR-003", "unparseable", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if ("MALFORMED_MESSAGE".equals(code(parse(text)))) {
                link.sendToClient(text);
                link.closeClient(1002, "malformed");
                return List.of();
            }
            return List.of(text);
        }
    }),
    ANSWERS_ERRORS("LTP-ERR-004", "client's error", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            if ("error".equals(type(parse(text)))) {
                link.sendToClient("{\"type\":\"error\",\"timestamp\":1731600000,\"payload\":{\"error_code\":"
                        + "\"UNKNOWN_MESSAGE_TYPE\",\"error_message\":\"no errors please\",\"details\":{}}}");
            }
            return List.of(text);
        }
    }),
    REPEATS_NONCES("LTP-SEC-001", "unique nonce", Outcome.FAIL, toClient(json -> {
        if ("pong".equals(type(json))) {
            json.addProperty("nonce", "server-1731600000000-same");
        }
        return json;
    })),
    REJECTS_PLAIN_JSON("LTP-ENC-001", "absent content_encoding", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "state_update".equals(type(json)) && !json.has("content_encoding")) {
                json.addProperty("content_encoding", "xml"); // as if absent meant something else
                return List.of(json.toString());
            }
            return List.of(text);
        }
    }),
    COUNTS_ONLY_PINGS_AS_ACTIVITY("LTP-HB-003", "does not close", Outcome.FAIL, new Fault() {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idle-fault");
            thread.setDaemon(true);
            return thread;
        });

        @Override
        public List<String> toServer(String text, Link link) {
            if ("ping".equals(type(parse(text)))) {
                link.state().put("lastPing", System.nanoTime());
            }
            return List.of(text);
        }

        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_ack".equals(type(json))) {
                long interval = json.get("heartbeat_interval_ms").getAsLong();
                link.state().put("lastPing", System.nanoTime());
                timer.scheduleAtFixedRate(() -> {
                    long idleMs = (System.nanoTime() - (long) link.state().get("lastPing")) / 1_000_000;
                    if (idleMs > 2 * interval) {
                        link.closeClient(1000, "heartbeat_timeout");
                    }
                }, interval, interval / 4, TimeUnit.MILLISECONDS);
            }
            return List.of(text);
        }
    }),
    CLOSES_ON_TOO_LARGE("LTP-LIM-002", "MESSAGE_TOO_LARGE", Outcome.WARN, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if ("MESSAGE_TOO_LARGE".equals(code(parse(text)))) {
                link.sendToClient(text);
                link.closeClient(1009, "too big");
                return List.of();
            }
            return List.of(text);
        }
    });

    private final String caseId;
    private final String nameFragment;
    private final Outcome expected;
    private final Fault fault;

    ServerFaults(String caseId, String nameFragment, Outcome expected, Fault fault) {
        this.caseId = caseId;
        this.nameFragment = nameFragment;
        this.expected = expected;
        this.fault = fault;
    }

    String caseId() {
        return caseId;
    }

    String nameFragment() {
        return nameFragment;
    }

    Outcome expected() {
        return expected;
    }

    Fault fault() {
        return fault;
    }

    // ---- Helpers shared by the faults -------------------------------------------------------------------------

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

    /** A fault that rewrites every JSON object the server sends. */
    static Fault toClient(UnaryOperator<JsonObject> rewrite) {
        return new Fault() {
            @Override
            public List<String> toClient(String text, Link link) {
                JsonObject json = parse(text);
                return List.of(json == null ? text : rewrite.apply(json).toString());
            }
        };
    }

    /** A fault that rewrites every JSON object the client sends. */
    static Fault toServer(UnaryOperator<JsonObject> rewrite) {
        return new Fault() {
            @Override
            public List<String> toServer(String text, Link link) {
                JsonObject json = parse(text);
                return List.of(json == null ? text : rewrite.apply(json).toString());
            }
        };
    }
}
