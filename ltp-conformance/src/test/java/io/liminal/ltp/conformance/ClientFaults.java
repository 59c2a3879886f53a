package io.liminal.ltp.conformance;

import static io.liminal.ltp.conformance.Faults.parse;
import static io.liminal.ltp.conformance.Faults.string;
import static io.liminal.ltp.conformance.Faults.type;

import com.google.gson.JsonObject;
import io.liminal.ltp.client.FileThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.StoredSession;
import io.liminal.ltp.client.ThreadIdStore;
import io.liminal.ltp.conformance.FaultProxy.Fault;
import io.liminal.ltp.conformance.FaultProxy.Link;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Faulty clients: ltp-client misconfigured, or behind a {@link FaultProxy} that breaks one rule on its behalf,
 * and the case that must catch it.
 */
enum ClientFaults {
    OFFERS_NO_SUBPROTOCOL("LTP-TR-001", "offers", proxy(new Fault() {
        @Override
        public List<String> offerUpstream(List<String> offered) {
            return List.of();
        }
    })),
    FORGETS_ITS_THREAD("LTP-HS-002", "resumes its stored thread", configured(builder -> builder
            .clientId("forgetful").threadIdStore(new ThreadIdStore() {
                @Override
                public Optional<StoredSession> load(String clientId) {
                    return Optional.empty();
                }

                @Override
                public void save(String clientId, StoredSession session) {
                }

                @Override
                public void clear(String clientId) {
                }

                @Override
                public String clientId(String scope, Supplier<String> generator) {
                    return generator.get();
                }
            }))),
    IGNORES_SUGGEST_NEW("LTP-HS-014", "sends handshake_init", proxy(Faults.dropsInitsAfterAReject())),
    SENDS_BEFORE_ACK("LTP-HS-015", "no envelope before", proxy(new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            if ("handshake_init".equals(type(text))) {
                return List.of(text, "{\"type\":\"event\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":"
                        + System.currentTimeMillis() / 1000 + ",\"payload\":{\"event_type\":\"eager\",\"data\":1}}");
            }
            return List.of(text);
        }
    })),
    TIMESTAMPS_IN_MILLISECONDS("LTP-ENV-001", "epoch-second", proxy(rewriteToServer(json -> {
        if ("ping".equals(type(json))) {
            json.addProperty("timestamp", System.currentTimeMillis());
        }
        return json;
    }))),
    CLOSES_ON_UNKNOWN_TYPE("LTP-ENV-009", "ignores unknown", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            String type = type(text);
            if (type != null && (type.contains(":") || "made_up_type".equals(type))) {
                link.closeServer(1002, "unknown type");
                return List.of();
            }
            return List.of(text);
        }
    })),
    DISCONNECTS_ON_TOP_LEVEL_ERRORS("LTP-ERR-002", "accepts payload-form and top-level-form", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "error".equals(type(json)) && !json.has("payload")) {
                link.closeServer(1002, "cannot read this error");
                return List.of();
            }
            return List.of(text);
        }
    })),
    ANSWERS_ERRORS("LTP-ERR-004", "does not answer", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if ("error".equals(type(text))) {
                link.sendToServer("{\"type\":\"error\",\"timestamp\":" + System.currentTimeMillis() / 1000
                        + ",\"payload\":{\"error_code\":\"MALFORMED_MESSAGE\",\"error_message\":\"echo\"}}");
            }
            return List.of(text);
        }
    })),
    PINGS_TOO_RARELY("LTP-HB-001", "pings at intervals", proxy(new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            if ("ping".equals(type(text))) {
                boolean drop = link.state().remove("dropNext") == null;
                if (drop) {
                    link.state().put("dropNext", false);
                    return List.of();
                }
            }
            return List.of(text);
        }
    })),
    IGNORES_MISSING_PONGS("LTP-HB-002", "pongs stop", configured(builder -> builder
            .pongTimeout(Duration.ofSeconds(60)))),
    RETRIES_WITHOUT_BACKOFF("LTP-RC-001", "retries after", configured(builder -> builder
            .retry(LtpClient.retryConfig(5, Duration.ofMillis(100), Duration.ofMillis(100), 0)))),
    REPEATS_NONCES("LTP-SEC-001", "unique nonce", proxy(rewriteToServer(json -> {
        if ("ping".equals(type(json))) {
            json.addProperty("nonce", "client-1731600000000-same");
        }
        return json;
    }))),
    PINGS_IN_AN_ARRAY("LTP-TR-003", "one JSON object", proxy(new Fault() {
        @Override
        public List<String> toServer(String text, Link link) {
            return "ping".equals(type(text)) ? List.of("[" + text + "]") : List.of(text);
        }
    })),
    INIT_WITH_OLD_VERSION("LTP-HS-001", "opens with handshake_init", proxy(rewriteToServer(json -> {
        if ("handshake_init".equals(type(json))) {
            json.addProperty("ltp_version", "0.2");
        }
        return json;
    }))),
    KEEPS_ONLY_THE_FIRST_ACK("LTP-HS-013", "persists the ids of every ack", directory -> {
        ThreadIdStore files = new FileThreadIdStore(directory.resolve("ltp-client.json"));
        return new LtpClientUnderTest(directory, builder -> builder.threadIdStore(new ThreadIdStore() {
            @Override
            public Optional<StoredSession> load(String clientId) {
                return files.load(clientId);
            }

            @Override
            public void save(String clientId, StoredSession session) {
                if (files.load(clientId).isEmpty()) { // later acks (a resume naming a new thread) are lost
                    files.save(clientId, session);
                }
            }

            @Override
            public void clear(String clientId) {
                files.clear(clientId);
            }

            @Override
            public String clientId(String scope, Supplier<String> generator) {
                return files.clientId(scope, generator);
            }
        }));
    }),
    REFUSES_V2_ACK("LTP-HS-016", "ltp_version 0.2", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "handshake_ack".equals(type(json)) && "0.2".equals(string(json, "ltp_version"))) {
                link.closeServer(1002, "unexpected version");
                return List.of();
            }
            return List.of(text);
        }
    })),
    CLOSES_ON_UNKNOWN_FIELDS("LTP-ENV-002", "unknown fields", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if (text.contains("\"x_top_level_field\"")) {
                link.closeServer(1002, "unexpected field");
                return List.of();
            }
            return List.of(text);
        }
    })),
    RANGE_CHECKS_AFFECT("LTP-ENV-003", "affect and context_tag", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            JsonObject meta = json == null || !json.has("meta") || !json.get("meta").isJsonObject() ? null
                    : json.getAsJsonObject("meta");
            if (meta != null && meta.has("affect") && meta.getAsJsonObject("affect").has("valence")
                    && Math.abs(meta.getAsJsonObject("affect").get("valence").getAsDouble()) > 1) {
                link.closeServer(1002, "valence out of range");
                return List.of();
            }
            return List.of(text);
        }
    })),
    REFUSES_UNSIGNED_ENVELOPES("LTP-SEC-002", "signature value or a missing nonce", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && json.has("thread_id") && !json.has("nonce")) {
                link.closeServer(1008, "no nonce");
                return List.of();
            }
            return List.of(text);
        }
    })),
    CLOSES_ON_PLAIN_JSON("LTP-ENC-001", "without content_encoding", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            JsonObject json = parse(text);
            if (json != null && "state_update".equals(type(json)) && !json.has("content_encoding")) {
                link.closeServer(1002, "content_encoding required");
                return List.of();
            }
            return List.of(text);
        }
    })),
    SMALLER_MESSAGE_LIMIT("LTP-LIM-001", "1 MiB message", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if (text.length() > 512 * 1024) {
                link.closeServer(1009, "too big");
                return List.of();
            }
            return List.of(text);
        }
    })),
    RETRIES_AFTER_PERMANENT_FAILURE("LTP-RC-002", "permanent handshake failure", proxy(new Fault() {
        @Override
        public List<String> toClient(String text, Link link) {
            if (text.contains("UNSUPPORTED_VERSION")) { // the client never learns why: a transient close
                link.closeClient(1011, "");
                return List.of();
            }
            return List.of(text);
        }
    }));

    private final String caseId;
    private final String nameFragment;
    private final Function<Path, ClientUnderTest> client;

    ClientFaults(String caseId, String nameFragment, Function<Path, ClientUnderTest> client) {
        this.caseId = caseId;
        this.nameFragment = nameFragment;
        this.client = client;
    }

    String caseId() {
        return caseId;
    }

    String nameFragment() {
        return nameFragment;
    }

    ClientUnderTest client(Path directory) {
        return client.apply(directory);
    }

    /** ltp-client behind a proxy with {@code fault}; a fixed client id, since each proxy has its own URL. */
    private static Function<Path, ClientUnderTest> proxy(Fault fault) {
        return directory -> new ProxiedClient(new LtpClientUnderTest(directory,
                builder -> builder.clientId("proxied-client")), fault);
    }

    private static Function<Path, ClientUnderTest> configured(UnaryOperator<LtpClient.Builder> configure) {
        return directory -> new LtpClientUnderTest(directory, configure);
    }

    private static Fault rewriteToServer(UnaryOperator<JsonObject> rewrite) {
        return Faults.toServer(rewrite);
    }
}
