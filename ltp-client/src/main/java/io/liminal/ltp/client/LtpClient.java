package io.liminal.ltp.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.RetryConfig;
import io.liminal.ltp.client.internal.Backoff;
import io.liminal.ltp.client.internal.ClientEngine;
import io.liminal.ltp.client.internal.ClientSettings;
import io.liminal.ltp.client.internal.ClientTransport;
import io.liminal.ltp.client.internal.FallbackTransport;
import io.liminal.ltp.client.internal.JavaWebSocketTransport;
import io.liminal.ltp.client.internal.SseClientTransport;
import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.core.session.ClientSessionMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An LTP client that keeps its thread across reconnects and does not lose what the application sends.
 *
 * <pre>{@code
 * LtpClient client = LtpClient.builder(URI.create("wss://ltp.example.com/"))
 *         .clientId("device-42")
 *         .threadIdStore(new FileThreadIdStore(Path.of("ltp-ids.json")))
 *         .listener(new LtpClientListener() {
 *             public void onEvent(EventPayload event, Envelope envelope) { ... }
 *         })
 *         .build();
 * client.connect().join();                        // completes on handshake_ack
 * client.sendStateUpdate("minimal", data);        // buffered while offline, flushed in order after the next ack
 * client.close();
 * }</pre>
 *
 * <p>On open it resumes the stored thread ({@code handshake_resume}) and falls back to {@code handshake_init} when
 * the server rejects it. It pings at the negotiated interval and reconnects when pongs stop. Lost connections are
 * retried with resilience4j (by default the spec's 1, 2, 4, 8, 16 s, then permanent failure) under a circuit
 * breaker; after a server's 1001 it reconnects at once. After a permanent handshake failure (§3.7) or 1000
 * {@code session_superseded} it stops and reports it.
 *
 * <p>Thread-safe. All protocol work runs on one serial lane; listener calls on a second one.
 */
public final class LtpClient implements AutoCloseable {
    /** Default handshake timeout (§3.7 allows counting an unanswered handshake as failed after 30 s). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);
    /** Default number of reconnect attempts per outage (spec §8: 5). */
    public static final int DEFAULT_MAX_RECONNECT_ATTEMPTS = 5;
    /** Default first reconnect delay. */
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(1);
    /** Default largest reconnect delay. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);
    /** WebSocket first, then the sse-v1 fallback. */
    public static final List<Transport> DEFAULT_TRANSPORTS = List.of(Transport.WEBSOCKET, Transport.SSE);
    /** How often the preferred transport is tried again while a fallback carries the connection. */
    public static final Duration DEFAULT_TRANSPORT_PROBE_INTERVAL = Duration.ofSeconds(60);
    /** Default offline buffer size in messages. */
    public static final int DEFAULT_MAX_BUFFERED_MESSAGES = 10_000;
    /** Default offline buffer size in bytes. */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 16L * 1024 * 1024;

    private static final ScheduledExecutorService SHARED_TIMERS = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "ltp-client-timers");
        thread.setDaemon(true);
        return thread;
    });
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final ClientEngine engine;
    private final String clientId;
    private final Meta defaultMeta;
    private final ExecutorService ownedExecutor;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private LtpClient(ClientEngine engine, String clientId, Meta defaultMeta, ExecutorService ownedExecutor) {
        this.engine = engine;
        this.clientId = clientId;
        this.defaultMeta = defaultMeta;
        this.ownedExecutor = ownedExecutor;
    }

    /** A builder for a client of {@code uri} ({@code ws://} or {@code wss://}). */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    /**
     * Connects (if not already connected or connecting).
     *
     * @return completes on the next {@code handshake_ack}; fails with
     *     {@link LtpClientException.PermanentFailureException} when the client gives up, and with
     *     {@link LtpClientException.ClientClosedException} when it is closed first
     */
    public CompletableFuture<Void> connect() {
        return closed.get() ? closedFuture() : engine.connect();
    }

    /**
     * Sends a {@code state_update} with the default meta.
     *
     * @return completes when the message is written to a live session; fails with
     *     {@link io.liminal.ltp.core.LtpProtocolException} ({@code MESSAGE_TOO_LARGE}) when it breaks a limit,
     *     {@link LtpClientException.OfflineBufferFullException} or {@link LtpClientException.MessageDroppedException}
     *     when the offline buffer overflows, {@link LtpClientException.ClientClosedException} when the client is
     *     closed first
     */
    public CompletableFuture<Void> sendStateUpdate(String kind, JsonElement data) {
        return sendStateUpdate(kind, data, null);
    }

    /** Sends a {@code state_update}; {@code meta} overrides the default meta member by member. */
    public CompletableFuture<Void> sendStateUpdate(String kind, JsonElement data, Meta meta) {
        return send(envelope(MessageTypes.STATE_UPDATE, new StateUpdatePayload(kind, data).toJson(), meta, null));
    }

    /** Sends a {@code state_update} whose data is TOON text ({@code content_encoding: "toon"}, see {@code Toon}). */
    public CompletableFuture<Void> sendToonStateUpdate(String kind, String toon, Meta meta) {
        return send(envelope(MessageTypes.STATE_UPDATE, new StateUpdatePayload(kind, new JsonPrimitive(toon)).toJson(),
                meta, ContentEncoding.TOON));
    }

    /** Sends an {@code event} with the default meta. */
    public CompletableFuture<Void> sendEvent(String eventType, JsonElement data) {
        return sendEvent(eventType, data, null);
    }

    /** Sends an {@code event}; {@code meta} overrides the default meta member by member. */
    public CompletableFuture<Void> sendEvent(String eventType, JsonElement data, Meta meta) {
        return send(envelope(MessageTypes.EVENT, new EventPayload(eventType, data).toJson(), meta, null));
    }

    /** Sends a custom {@code namespace:type} message. */
    public CompletableFuture<Void> send(String customType, JsonObject payload) {
        return send(customType, payload, null);
    }

    /** Sends a custom {@code namespace:type} message with meta. */
    public CompletableFuture<Void> send(String customType, JsonObject payload, Meta meta) {
        Objects.requireNonNull(customType, "customType");
        if (!MessageTypes.isCustom(customType)) {
            throw new IllegalArgumentException("Custom types are 'namespace:type'; '" + customType + "' is not");
        }
        return send(envelope(customType, payload == null ? new JsonObject() : payload.deepCopy(), meta, null));
    }

    /**
     * Sends a prepared envelope. Its ids, timestamp, nonce (and signature) are set when it is written, so it can
     * wait in the offline buffer across sessions.
     */
    public CompletableFuture<Void> send(Envelope envelope) {
        Objects.requireNonNull(envelope, "envelope");
        return closed.get() ? closedFuture() : engine.send(envelope);
    }

    private static CompletableFuture<Void> closedFuture() {
        return CompletableFuture.failedFuture(new LtpClientException.ClientClosedException("The client is closed"));
    }

    private Envelope envelope(String type, JsonObject payload, Meta meta, ContentEncoding encoding) {
        Meta effective = meta == null ? defaultMeta : meta.withDefaults(defaultMeta);
        return Envelope.builder(type).payloadOwned(payload).meta(effective).contentEncoding(encoding).build();
    }

    /** The client's state. */
    public ClientSessionMachine.State state() {
        return engine.state();
    }

    /** The current (or stored) thread id, or {@code null}. */
    public String threadId() {
        return engine.threadId();
    }

    /** The current session id, or {@code null}. */
    public String sessionId() {
        return engine.sessionId();
    }

    /**
     * What carries the current connection (the last one while disconnected): {@link Transport#WEBSOCKET}, or
     * {@link Transport#SSE} after a fallback; {@code null} before the first connection opened.
     */
    public Transport transport() {
        return engine.transport();
    }

    /** The client id (configured, or generated and stored). */
    public String clientId() {
        return clientId;
    }

    /** How many messages wait in the offline buffer. */
    public int bufferedMessages() {
        return closed.get() ? 0 : engine.bufferedCount().join();
    }

    /**
     * Closes the connection (1000) and stops reconnecting; buffered messages fail with
     * {@link LtpClientException.ClientClosedException} (they stay in the journal when one is configured).
     * Idempotent; returns when done, or after 5 s.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            engine.close().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // best effort: the lane keeps closing
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
    }

    /** A default retry: the spec's delays with up to 10% extra jitter, {@code maxAttempts} retries per outage. */
    public static RetryConfig defaultRetryConfig(int maxAttempts) {
        return retryConfig(maxAttempts, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX, 0.1);
    }

    /** A retry with {@code min(base × 2^n, max)} delays plus up to {@code jitter} of it, capped at {@code max}. */
    public static RetryConfig retryConfig(int maxAttempts, Duration base, Duration max, double jitter) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 but was " + maxAttempts);
        }
        SecureRandom random = new SecureRandom();
        return RetryConfig.custom()
                .maxAttempts(maxAttempts == Integer.MAX_VALUE ? Integer.MAX_VALUE : maxAttempts + 1)
                .intervalBiFunction(Backoff.intervals(base, max, jitter, random::nextDouble))
                .build();
    }

    /** A default circuit breaker: opens after {@code failures} consecutive failed connects, probes after {@code wait}. */
    public static CircuitBreakerConfig circuitBreakerConfig(int failures, Duration wait) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(failures)
                .minimumNumberOfCalls(failures)
                .failureRateThreshold(100)
                .waitDurationInOpenState(wait)
                .permittedNumberOfCallsInHalfOpenState(1)
                .build();
    }

    /**
     * Builds an {@link LtpClient}. Setters validate their argument at once and name it in the exception.
     */
    public static final class Builder {
        private final URI uri;
        private String clientId;
        private String deviceFingerprint;
        private String intent = "resonant_link";
        private List<String> capabilities = List.of("state-update", "events", "ping-pong");
        private boolean delivery = true;
        private JsonObject metadata = new JsonObject();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private SSLContext sslContext;
        private Duration heartbeatOverride;
        private Duration pongTimeout;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private RetryConfig retryConfig;
        private int maxReconnectAttempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
        private CircuitBreakerConfig circuitBreakerConfig = circuitBreakerConfig(5, Duration.ofSeconds(30));
        private int maxBufferedMessages = DEFAULT_MAX_BUFFERED_MESSAGES;
        private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
        private OverflowPolicy overflowPolicy = OverflowPolicy.FAIL;
        private MessageJournal journal;
        private ThreadIdStore threadIdStore = new InMemoryThreadIdStore();
        private final List<LtpClientListener> listeners = new ArrayList<>();
        private Executor executor;
        private Scheduler scheduler;
        private Clock clock = Clock.systemUTC();
        private Meta defaultMeta = Meta.empty();
        private String signingSecret;
        private Limits limits = Limits.defaults();
        private String ltpVersion = LtpVersions.V0_3;
        private List<Transport> transports = DEFAULT_TRANSPORTS;
        private Duration transportProbeInterval = DEFAULT_TRANSPORT_PROBE_INTERVAL;

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme();
            if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("uri must be ws:// or wss:// but was " + uri);
            }
        }

        /** The client id; without one the client generates {@code client-<uuid>} and keeps it in the thread id store. */
        public Builder clientId(String clientId) {
            Objects.requireNonNull(clientId, "clientId");
            if (clientId.isEmpty()) {
                throw new IllegalArgumentException("clientId must not be empty");
            }
            this.clientId = clientId;
            return this;
        }

        /** {@code device_fingerprint} of handshakes. */
        public Builder deviceFingerprint(String fingerprint) {
            this.deviceFingerprint = Objects.requireNonNull(fingerprint, "deviceFingerprint");
            return this;
        }

        /** {@code intent} of handshakes (default {@code resonant_link}). */
        public Builder intent(String intent) {
            this.intent = Objects.requireNonNull(intent, "intent");
            return this;
        }

        /** {@code capabilities} of handshakes (default the reference client's). */
        public Builder capabilities(List<String> capabilities) {
            this.capabilities = List.copyOf(capabilities);
            return this;
        }

        /** {@code metadata} of handshakes (copied). */
        public Builder metadata(JsonObject metadata) {
            this.metadata = Objects.requireNonNull(metadata, "metadata").deepCopy();
            return this;
        }

        /** Sends {@code metadata.auth_token} in every handshake (§11.6). */
        public Builder authToken(String token) {
            metadata.addProperty("auth_token", Objects.requireNonNull(token, "authToken"));
            return this;
        }

        /** An extra HTTP header of the upgrade request (for example {@code Authorization}). */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The TLS context for {@code wss://} (default: the JVM's). */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "sslContext");
            return this;
        }

        /** Trusts the certificates in a key store for {@code wss://} (for example a private CA). */
        public Builder trustStore(Path trustStore, char[] password, String type) {
            try (InputStream in = Files.newInputStream(trustStore)) {
                KeyStore store = KeyStore.getInstance(type);
                store.load(in, password);
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, trust.getTrustManagers(), null);
                this.sslContext = context;
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException("trustStore cannot be read: " + trustStore, e);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("trustStore is not a usable " + type + " key store: " + e.getMessage(), e);
            }
        }

        /** Pings more often than the server asks (a longer interval is ignored, A-14). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatOverride = positive("heartbeatInterval", interval);
            return this;
        }

        /** How long without a pong before reconnecting (default 3 × the interval). */
        public Builder pongTimeout(Duration timeout) {
            this.pongTimeout = positive("pongTimeout", timeout);
            return this;
        }

        /** How long a handshake may go unanswered before the attempt counts as failed (default 30 s). */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /** TCP and WebSocket upgrade timeout (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** Reconnect attempts per outage before permanent failure (default 5, the spec's). */
        public Builder maxReconnectAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxReconnectAttempts must be at least 1 but was " + attempts);
            }
            this.maxReconnectAttempts = attempts;
            this.retryConfig = null;
            return this;
        }

        /** Never gives up reconnecting (the circuit breaker still spaces attempts to a dead server). */
        public Builder unlimitedReconnects() {
            this.maxReconnectAttempts = Integer.MAX_VALUE;
            this.retryConfig = null;
            return this;
        }

        /**
         * Full control of reconnects with a resilience4j retry: {@code maxAttempts} counts the first reconnect too,
         * and its interval function gives the delays (see {@link LtpClient#retryConfig}).
         */
        public Builder retry(RetryConfig config) {
            this.retryConfig = Objects.requireNonNull(config, "retry");
            return this;
        }

        /** The circuit breaker around connection attempts (default: opens after 5 failures, probes after 30 s). */
        public Builder circuitBreaker(CircuitBreakerConfig config) {
            this.circuitBreakerConfig = Objects.requireNonNull(config, "circuitBreaker");
            return this;
        }

        /** No circuit breaker. */
        public Builder noCircuitBreaker() {
            this.circuitBreakerConfig = null;
            return this;
        }

        /**
         * Bounds the offline buffer (default 10,000 messages, 16 MiB, {@link OverflowPolicy#FAIL}).
         */
        public Builder offlineBuffer(int maxMessages, long maxBytes, OverflowPolicy policy) {
            if (maxMessages < 1) {
                throw new IllegalArgumentException("offlineBuffer maxMessages must be positive but was " + maxMessages);
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException("offlineBuffer maxBytes must be positive but was " + maxBytes);
            }
            this.maxBufferedMessages = maxMessages;
            this.maxBufferedBytes = maxBytes;
            this.overflowPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Keeps buffered messages in {@code journal} so they survive a process restart (closed with the client). */
        public Builder journal(MessageJournal journal) {
            this.journal = Objects.requireNonNull(journal, "journal");
            return this;
        }

        /** Where thread and session ids are kept (default in memory). */
        public Builder threadIdStore(ThreadIdStore store) {
            this.threadIdStore = Objects.requireNonNull(store, "threadIdStore");
            return this;
        }

        /** Adds a listener. */
        public Builder listener(LtpClientListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Runs the client's lanes (default: two daemon threads owned by the client). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Runs the client's timers (default: one daemon thread shared by all clients). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The clock for timestamps, nonces and the circuit breaker (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Meta sent with every message unless a message sets the same member (for example context_tag, affect). */
        public Builder defaultMeta(Meta meta) {
            this.defaultMeta = Objects.requireNonNull(meta, "defaultMeta");
            return this;
        }

        /** Signs envelopes with HMAC-SHA256 and verifies the server's (§11.3; advertises sig-hmac-sha256). */
        public Builder signingSecret(String secret) {
            this.signingSecret = Objects.requireNonNull(secret, "signingSecret");
            return this;
        }

        /** Message limits enforced before sending (default the spec's). */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Turns the delivery extension {@code delivery-v1} off (it is on by default). With it, and a server that
         * supports it, the client numbers its messages and keeps them until the server acknowledges having
         * processed them, resends what is unacknowledged after a reconnect, and gets what it missed replayed; send
         * futures complete on the server's acknowledgement. With any other server nothing changes
         * (docs/extensions/delivery-v1.md).
         */
        public Builder noDelivery() {
            this.delivery = false;
            return this;
        }

        /** The {@code ltp_version} to request (default {@code "0.3"}). */
        public Builder ltpVersion(String version) {
            if (!LtpVersions.isSupported(version)) {
                throw new IllegalArgumentException("ltpVersion must be 0.3 or 0.2 but was " + version);
            }
            this.ltpVersion = version;
            return this;
        }

        /**
         * The transports the client may use, preferred first (default WebSocket, then {@link Transport#SSE}, the
         * sse-v1 binding at {@code /ltp/sse} of the same host). With more than one, the client falls back by itself
         * when the first cannot open or its connections keep dropping young, and moves back when the first works
         * again (see {@link #transportProbeInterval}). One transport alone forbids the others.
         */
        public Builder transports(Transport... order) {
            List<Transport> chosen = List.of(order);
            if (chosen.isEmpty() || new HashSet<>(chosen).size() != chosen.size()) {
                throw new IllegalArgumentException("transports must name at least one transport, each once: "
                        + chosen);
            }
            this.transports = chosen;
            return this;
        }

        /**
         * While a later transport carries the connection, how often the preferred one is tried again (default 60 s);
         * when it opens, the client moves back to it as after a server drain, resuming its thread.
         */
        public Builder transportProbeInterval(Duration interval) {
            this.transportProbeInterval = positive("transportProbeInterval", interval);
            return this;
        }

        /** The client. It does not connect until {@link LtpClient#connect()}. */
        public LtpClient build() {
            return build(null);
        }

        /** For tests: the client over another transport. */
        LtpClient build(ClientTransport transport) {
            String id = clientId != null ? clientId
                    : threadIdStore.clientId(uri.toString(), () -> "client-" + UUID.randomUUID());
            List<String> caps = new ArrayList<>(capabilities);
            if (signingSecret != null && !caps.contains(EnvelopeSigner.CAPABILITY)) {
                caps.add(EnvelopeSigner.CAPABILITY);
            }
            if (delivery && !caps.contains(DeliveryProtocol.CAPABILITY)) {
                caps.add(DeliveryProtocol.CAPABILITY);
            }
            HandshakeInit.Builder init = HandshakeInit.builder(id).ltpVersion(ltpVersion).intent(intent)
                    .capabilities(caps);
            if (deviceFingerprint != null) {
                init.deviceFingerprint(deviceFingerprint);
            }
            JsonObject handshakeMetadata = metadata.deepCopy();
            if (!handshakeMetadata.has("sdk_version")) {
                handshakeMetadata.addProperty("sdk_version", "ltp-java");
            }
            if (!handshakeMetadata.has("platform")) {
                handshakeMetadata.addProperty("platform", "java");
            }
            init.metadata(handshakeMetadata);
            ExecutorService owned = null;
            Executor lanes = executor;
            if (lanes == null) {
                int number = CLIENTS.incrementAndGet();
                AtomicInteger threads = new AtomicInteger();
                owned = Executors.newFixedThreadPool(2, runnable -> {
                    Thread thread = new Thread(runnable, "ltp-client-" + number + "-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
                lanes = owned;
            }
            CircuitBreakerConfig breaker = circuitBreakerConfig == null ? null
                    : CircuitBreakerConfig.from(circuitBreakerConfig).clock(clock).build();
            RetryConfig retry = retryConfig != null ? retryConfig : defaultRetryConfig(maxReconnectAttempts);
            Meta meta = defaultMeta.withDefaults(Meta.builder().clientId(id).build());
            Scheduler timers = scheduler != null ? scheduler : Scheduler.of(SHARED_TIMERS);
            ClientSettings settings = new ClientSettings(uri, init.build(), Map.copyOf(headers), heartbeatOverride,
                    pongTimeout, handshakeTimeout, connectTimeout, retry, breaker, maxBufferedMessages,
                    maxBufferedBytes, overflowPolicy, journal, threadIdStore, List.copyOf(listeners), lanes,
                    timers, clock, meta, signingSecret, limits,
                    transport != null ? transport : defaultTransport(timers), delivery);
            String storedThread = threadIdStore.load(id).map(StoredSession::threadId).orElse(null);
            return new LtpClient(new ClientEngine(settings, storedThread), id, meta, owned);
        }

        /** The transports of {@link #transports}, in order, behind the fallback rules. */
        private ClientTransport defaultTransport(Scheduler timers) {
            Map<Transport, ClientTransport> available = new EnumMap<>(Transport.class);
            available.put(Transport.WEBSOCKET, new JavaWebSocketTransport(sslContext, (int) connectTimeout.toMillis(),
                    (int) Math.min(Integer.MAX_VALUE, 4L * limits.maxMessageBytes())));
            available.put(Transport.SSE, new SseClientTransport(sslContext, connectTimeout, timers));
            available.keySet().retainAll(transports);
            return new FallbackTransport(transports, available, connectTimeout, transportProbeInterval, timers);
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }
    }
}
