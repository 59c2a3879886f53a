package io.liminal.ltp.conformance;

import static io.liminal.ltp.conformance.Faults.closesAfterError;
import static io.liminal.ltp.conformance.Faults.code;
import static io.liminal.ltp.conformance.Faults.dropsInitsAfterAReject;
import static io.liminal.ltp.conformance.Faults.error;
import static io.liminal.ltp.conformance.Faults.idleCloser;
import static io.liminal.ltp.conformance.Faults.longestString;
import static io.liminal.ltp.conformance.Faults.parse;
import static io.liminal.ltp.conformance.Faults.rename;
import static io.liminal.ltp.conformance.Faults.string;
import static io.liminal.ltp.conformance.Faults.toClient;
import static io.liminal.ltp.conformance.Faults.toServer;
import static io.liminal.ltp.conformance.Faults.type;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.conformance.FaultProxy.Fault;
import io.liminal.ltp.conformance.FaultProxy.Link;
import java.nio.charset.StandardCharsets;
import java.util.List;

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
    CLOSES_AFTER_MALFORMED("LTP-ERR-003", "unparseable", Outcome.FAIL,
            closesAfterError("MALFORMED_MESSAGE", 1002, "malformed")),
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
    COUNTS_ONLY_PINGS_AS_ACTIVITY("LTP-HB-003", "does not close", Outcome.FAIL,
            idleCloser(text -> "ping".equals(type(parse(text))), 2, 4)),
    CLOSES_ON_TOO_LARGE("LTP-LIM-002", "MESSAGE_TOO_LARGE", Outcome.WARN,
            closesAfterError("MESSAGE_TOO_LARGE", 1009, "too big")),
    REFUSES_MESSAGE_AT_LIMIT("LTP-LIM-001", "exactly 1,048,576 bytes", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            // Off by one (>= instead of >): a message of exactly the limit is made one byte longer (a space), so the
            // server refuses it as it refuses any larger one.
            return List.of(text.getBytes(StandardCharsets.UTF_8).length == 1_048_576 ? text + " " : text);
        }
    }),
    STRING_LIMIT_OFF_BY_ONE("LTP-LIM-001", "exactly 65,536 bytes", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            // Off by one: a string of exactly the limit is refused as one byte longer would be.
            return List.of(text.contains("\"" + "k".repeat(65_536) + "\"")
                    ? text.replace("\"" + "k".repeat(65_536) + "\"", "\"" + "k".repeat(65_537) + "\"") : text);
        }
    }),
    STRING_LIMIT_ON_TOON_DATA("LTP-LIM-001", "TOON data longer", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "toon".equals(string(json, "content_encoding")) && longestString(json) > 65_536) {
                // The string limit applied to TOON data (A-17 exempts it): read as JSON, the string is too long.
                json.remove("content_encoding");
                return List.of(json.toString());
            }
            return List.of(text);
        }
    }),
    NO_SIZE_LIMIT("LTP-LIM-002", "1,048,577 bytes", Outcome.WARN, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            // As if the oversized message had been accepted: no error.
            return "MESSAGE_TOO_LARGE".equals(code(parse(text))) ? List.of() : List.of(text);
        }
    }),
    DEPTH_DETAILS_INCOMPLETE("LTP-LIM-002", "payload depth 11", Outcome.WARN, toClient(json -> {
        if ("MESSAGE_TOO_LARGE".equals(code(json))) {
            JsonObject details = json.getAsJsonObject("payload").getAsJsonObject("details");
            if (details != null && "payload_depth".equals(string(details, "limit"))) {
                details.remove("max_depth");
            }
        }
        return json;
    })),
    CLIENT_ID_LIMIT_NOT_ENFORCED("LTP-HS-011", "declared maximum length", Outcome.FAIL,
            "{\"max_client_id_bytes\": 64}", toServer(json -> {
                String clientId = string(json, "client_id");
                if ("handshake_init".equals(type(json)) && clientId != null && clientId.length() > 64) {
                    json.addProperty("client_id", clientId.substring(0, 64));
                }
                return json;
            })),
    CAP_SUPERSEDES_THE_NEWEST("LTP-HS-004", "per-thread cap", Outcome.FAIL,
            "{\"max_connections_per_thread\": 2}", new Fault() {
                /** The live connections of each thread, oldest first, as a cap of 2 that closes the wrong one. */
                private final java.util.Map<String, List<Link>> threads = new java.util.concurrent.ConcurrentHashMap<>();

                @Override
                public List<String> toClient(String text, Link link) {
                    JsonObject json = parse(text);
                    if (json != null && "handshake_ack".equals(type(json))) {
                        List<Link> links = threads.computeIfAbsent(string(json, "thread_id"),
                                thread -> new java.util.concurrent.CopyOnWriteArrayList<>());
                        links.add(link);
                        if (links.size() > 2) {
                            links.remove(link);
                            link.sendToClient(text);
                            link.closeClient(1000, "session_superseded");
                            return List.of();
                        }
                    }
                    return List.of(text);
                }
            }),
    PUSHES_ONLY_TO_THE_SENDER("LTP-HS-004", "reach every live connection", Outcome.FAIL,
            ServerFaultsIT.BROADCAST_PROFILE, new Fault() {
                @Override
                public List<String> toServer(String text, Link link) {
                    if (text.contains("conformance_broadcast")) {
                        link.state().put("asked", true);
                    }
                    return List.of(text);
                }

                @Override
                public List<String> toClient(String text, Link link) {
                    JsonObject json = parse(text);
                    boolean push = json != null && "event".equals(type(json)) && json.has("payload")
                            && "broadcast".equals(string(json.getAsJsonObject("payload"), "event_type"));
                    return push && !link.state().containsKey("asked") ? List.of() : List.of(text);
                }
            }),
    CLOSES_AFTER_ONE_SILENT_INTERVAL("LTP-HB-003", "closes a silent connection", Outcome.FAIL,
            idleCloser(text -> true, 1, 10)), // 1 interval instead of 2
    IDLE_CLOSE_NOT_DONE("LTP-HB-003", "closes a silent connection", Outcome.FAIL, "{\"idle_close\": true}",
            new Fault() {
                @Override
                public boolean forwardServerClose(int code) {
                    return code != 1000; // declared to close idle connections, it never does
                }
            }),
    IDLE_CLOCK_IGNORES_PINGS("LTP-HB-004", "resumable past its TTL", Outcome.WARN,
            "{\"thread_ttl_ms\": " + ServerFaultsIT.THREAD_TTL_MS + "}", new Fault() {
                @Override
                public List<String> toServer(String text, Link link) {
                    JsonObject json = parse(text);
                    // The session's own pings are answered here: the server never sees them.
                    if (json != null && "ping".equals(type(json))
                            && String.valueOf(string(json, "session_id")).equals(link.state().get("session"))
                            && String.valueOf(string(json, "thread_id")).equals(link.state().get("thread"))) {
                        JsonObject pong = new JsonObject();
                        pong.addProperty("type", "pong");
                        pong.addProperty("thread_id", string(json, "thread_id"));
                        pong.addProperty("session_id", string(json, "session_id"));
                        pong.addProperty("timestamp", System.currentTimeMillis() / 1000);
                        pong.add("payload", new JsonObject());
                        pong.addProperty("nonce", "proxy-" + System.nanoTime() + "-" + String.format("%016x",
                                java.util.concurrent.ThreadLocalRandom.current().nextLong()));
                        link.sendToClient(pong.toString());
                        return List.of();
                    }
                    return List.of(text);
                }

                @Override
                public List<String> toClient(String text, Link link) {
                    JsonObject json = parse(text);
                    if (json != null && "handshake_ack".equals(type(json))) {
                        link.state().put("session", string(json, "session_id"));
                        link.state().put("thread", string(json, "thread_id"));
                    }
                    return List.of(text);
                }
            }),
    CLOSES_ON_RATE_LIMIT("LTP-ERR-005", "past the declared rate limit", Outcome.FAIL,
            "{\"rate_limit\": {\"messages\": " + ServerFaultsIT.RATE_LIMIT + ", \"window_ms\": 60000}, "
                    + "\"identity\": \"thread\"}", closesAfterError("RATE_LIMIT_EXCEEDED", 1008, "rate limited")),
    PONGS_IN_AN_ARRAY("LTP-TR-003", "one JSON object", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            return "pong".equals(type(text)) ? List.of("[" + text + "]") : List.of(text);
        }
    }),
    PONGS_IN_BINARY_FRAMES("LTP-TR-003", "one JSON object", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if ("pong".equals(type(text))) {
                link.sendBinaryToClient(text); // readable, but not the text message the rule asks for
                return List.of();
            }
            return List.of(text);
        }
    }),
    UNKNOWN_META_FIELDS_REFUSED("LTP-ENV-002", "ignores unknown fields", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && json.get("meta") instanceof JsonObject meta && meta.has("x_meta_field")) {
                link.sendToClient(error("MALFORMED_MESSAGE", "unknown meta field"));
                return List.of();
            }
            return List.of(text);
        }
    }),
    MISSING_ENVELOPE_FIELD_MISCODED("LTP-ENV-005", "missing required field", Outcome.FAIL, toClient(json -> {
        JsonObject details = "MISSING_REQUIRED_FIELD".equals(code(json))
                ? json.getAsJsonObject("payload").getAsJsonObject("details") : null;
        if (details != null && List.of("type", "thread_id", "session_id", "timestamp")
                .contains(String.valueOf(string(details, "missing_field")))) {
            rename(json, "MISSING_REQUIRED_FIELD", "MALFORMED_MESSAGE");
        }
        return json;
    })),
    EARLY_ENVELOPES_MISCODED("LTP-ENV-006", "before the handshake", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_ack".equals(type(json))) {
                link.state().put("acked", true);
            }
            if (json != null && !link.state().containsKey("acked") && "SESSION_EXPIRED".equals(code(json))) {
                rename(json, "SESSION_EXPIRED", "UNKNOWN_THREAD");
                return List.of(json.toString());
            }
            return List.of(text);
        }
    }),
    ERRORS_WITHOUT_MESSAGE("LTP-ERR-001", "payload form", Outcome.FAIL, toClient(json -> {
        if (code(json) != null) {
            json.getAsJsonObject("payload").remove("error_message");
        }
        return json;
    })),
    NON_OBJECT_INPUT_MISCODED("LTP-ERR-003", "non-object input", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            String trimmed = text.trim();
            if (trimmed.equals("42") || trimmed.equals("null") || trimmed.startsWith("[")) {
                link.sendToClient(error("UNKNOWN_MESSAGE_TYPE", "no type"));
                return List.of();
            }
            return List.of(text);
        }
    }),
    EXPLICIT_JSON_ENCODING_REFUSED("LTP-ENC-001", "absent content_encoding", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            if ("json".equals(string(parse(text), "content_encoding"))) {
                link.sendToClient(error("MALFORMED_MESSAGE", "json is not an encoding"));
                return List.of();
            }
            return List.of(text);
        }
    }),
    TWO_PONGS_PER_PING("LTP-MSG-001", "answers each ping", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "pong".equals(type(json))) {
                JsonObject again = json.deepCopy();
                again.addProperty("nonce", "server-" + System.nanoTime() + "-" + String.format("%016x",
                        java.util.concurrent.ThreadLocalRandom.current().nextLong()));
                return List.of(text, again.toString());
            }
            return List.of(text);
        }
    }),
    ACK_WITHOUT_CAPABILITIES("LTP-HS-003", "acks an init", Outcome.FAIL, toClient(json -> {
        if ("handshake_ack".equals(type(json))) {
            json.remove("server_capabilities");
        }
        return json;
    })),
    REJECT_WITHOUT_SUGGEST_NEW("LTP-HS-005", "rejects a resume of an unknown thread", Outcome.FAIL, toClient(json -> {
        if ("handshake_reject".equals(type(json))) {
            json.addProperty("suggest_new", false);
        }
        return json;
    })),
    IGNORES_INIT_AFTER_REJECT("LTP-HS-006", "right after a handshake_reject", Outcome.FAIL,
            dropsInitsAfterAReject()),
    ACKS_ALWAYS_V3("LTP-HS-008", "echoes the requested version", Outcome.FAIL, toClient(json -> {
        if ("handshake_ack".equals(type(json))) {
            json.addProperty("ltp_version", "0.3");
        }
        return json;
    })),
    ANYONE_MAY_RESUME("LTP-HS-012", "another client_id", Outcome.WARN, new Fault() {
        /** The client id that opened each thread, as the reference server does not keep it. */
        private final java.util.Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_init".equals(type(json)) && string(json, "client_id") != null) {
                link.state().put("client", string(json, "client_id"));
            }
            String owner = json == null ? null : owners.get(String.valueOf(string(json, "thread_id")));
            if (owner != null && "handshake_resume".equals(type(json)) && json.get("client_id") instanceof JsonPrimitive id
                    && id.isString() && json.has("ltp_version")) {
                json.addProperty("client_id", owner);
                return List.of(json.toString());
            }
            return List.of(text);
        }

        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_ack".equals(type(json)) && link.state().containsKey("client")) {
                owners.putIfAbsent(string(json, "thread_id"), (String) link.state().get("client"));
            }
            return List.of(text);
        }
    }),
    RANGE_CHECKS_AFFECT("LTP-ENV-003", "affect and context_tag", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            JsonObject meta = json != null && json.get("meta") instanceof JsonObject m ? m : null;
            if (meta != null && meta.get("affect") instanceof JsonObject affect && affect.has("valence")
                    && affect.get("valence").isJsonPrimitive() && affect.get("valence").getAsJsonPrimitive().isNumber()
                    && Math.abs(affect.get("valence").getAsDouble()) > 1) {
                link.sendToClient(error("MALFORMED_MESSAGE", "valence out of range"));
                return List.of();
            }
            return List.of(text);
        }
    }),
    UNKNOWN_THREAD_MISCODED("LTP-ENV-007", "another thread_id", Outcome.FAIL, toClient(json -> {
        rename(json, "UNKNOWN_THREAD", "SESSION_EXPIRED");
        return json;
    })),
    ONLY_LISTED_KINDS("LTP-MSG-002", "any non-empty kind", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "state_update".equals(type(json)) && json.get("payload") instanceof JsonObject payload
                    && String.valueOf(string(payload, "kind")).contains("-")) { // as if kinds were identifiers
                link.sendToClient(error("INVALID_STATE_UPDATE", "unknown kind"));
                return List.of();
            }
            return List.of(text);
        }
    }),
    ACCEPTS_NON_STRING_TOON("LTP-ENC-002", "non-string TOON data", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            // As if the object had been taken: no error for TOON data that is not a string.
            return "INVALID_STATE_UPDATE".equals(code(json)) && text.contains("TOON") ? List.of() : List.of(text);
        }
    }),
    REQUIRES_NONCES("LTP-SEC-002", "missing nonce", Outcome.FAIL, new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && json.has("thread_id") && !String.valueOf(type(json)).startsWith("handshake_")
                    && !json.has("nonce")) {
                link.sendToClient(error("INVALID_NONCE", "nonce required"));
                return List.of();
            }
            return List.of(text);
        }
    }),
    CORRUPT_SIGNATURES("LTP-SEC-003", "signs its envelopes", Outcome.FAIL, Secured.YES, toClient(json -> {
        if ("pong".equals(type(json))) {
            json.addProperty("signature", "0".repeat(64));
        }
        return json;
    })),
    WRONG_SIGNATURE_MISCODED("LTP-SEC-004", "wrong signature", Outcome.FAIL, Secured.YES, toClient(json -> {
        rename(json, "INVALID_SIGNATURE", "MALFORMED_MESSAGE");
        return json;
    })),
    REPLAY_MISCODED("LTP-SEC-005", "repeated nonce", Outcome.FAIL, Secured.YES, toClient(json -> {
        rename(json, "INVALID_NONCE", "INVALID_TIMESTAMP");
        return json;
    })),
    OLD_TIMESTAMPS_ACCEPTED("LTP-SEC-006", "old and future timestamps", Outcome.FAIL, Secured.YES, new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            return "MESSAGE_TOO_OLD".equals(code(parse(text))) ? List.of() : List.of(text);
        }
    }),
    ECHOES_THE_TOKEN("LTP-SEC-007", "never echoes it", Outcome.FAIL, Secured.YES, toClient(json -> {
        if ("handshake_ack".equals(type(json))) {
            JsonObject metadata = json.get("metadata") instanceof JsonObject m ? m : new JsonObject();
            metadata.addProperty("auth_token", ServerFaultsIT.TOKEN);
            json.add("metadata", metadata);
        }
        return json;
    }));

    /** Whether a fault sits in front of the server with signatures, replay protection and a token on. */
    enum Secured { YES }

    private final String caseId;
    private final String nameFragment;
    private final Outcome expected;
    private final Fault fault;
    private final String profile;
    private final boolean secured;

    ServerFaults(String caseId, String nameFragment, Outcome expected, Fault fault) {
        this(caseId, nameFragment, expected, (String) null, fault);
    }

    /** A fault of the server with the extensions on (the run gets its secret, token and replay protection). */
    ServerFaults(String caseId, String nameFragment, Outcome expected, Secured secured, Fault fault) {
        this(caseId, nameFragment, expected, null, fault, true);
    }

    /** A fault of a server whose configuration the run is told about with {@code profile}. */
    ServerFaults(String caseId, String nameFragment, Outcome expected, String profile, Fault fault) {
        this(caseId, nameFragment, expected, profile, fault, false);
    }

    ServerFaults(String caseId, String nameFragment, Outcome expected, String profile, Fault fault, boolean secured) {
        this.secured = secured;
        this.caseId = caseId;
        this.nameFragment = nameFragment;
        this.expected = expected;
        this.profile = profile;
        this.fault = fault;
    }

    /** The options that run this fault's case, with its profile if it has one. */
    SuiteOptions.Builder options() {
        return options(caseId);
    }

    /** The options that run the cases whose IDs start with one of {@code prefixes}, with this fault's profile. */
    SuiteOptions.Builder options(String... prefixes) {
        SuiteOptions.Builder options = SuiteOptions.builder().only(prefixes);
        if (secured) {
            options.signingSecret(ServerFaultsIT.SECRET).authToken(ServerFaultsIT.TOKEN).replayProtection(true);
        }
        return profile == null ? options : options.profile(profile);
    }

    /** Whether the fault sits in front of the server with the extensions on. */
    boolean secured() {
        return secured;
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
}
