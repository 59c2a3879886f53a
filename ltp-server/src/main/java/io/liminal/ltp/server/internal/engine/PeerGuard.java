package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.internal.limit.TokenBucket;
import io.liminal.ltp.core.internal.text.Identifiers;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.core.session.ServerConnectionMachine;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.internal.limits.KeyedAllowances;
import io.liminal.ltp.server.internal.limits.LogLimiter;
import io.liminal.ltp.server.internal.limits.TrustedProxies;
import io.liminal.ltp.server.transport.TransportConnection;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Who pays for what a peer does. Nothing is charged to an identity a peer merely names: before a handshake is
 * accepted, a connection pays from a bucket of its own and its address pays for the handshake; after, the proven
 * identity pays, which is the authenticated principal, or with authentication off the thread (a peer proves it
 * owns a thread by knowing its id). docs/security.md, "Whose budget".
 */
final class PeerGuard {
    /** Most identities and addresses tracked at once; beyond it new ones share one overflow budget. */
    private static final int MAX_TRACKED = 1_000_000;

    private final PeerLimits limits;
    private final TrustedProxies proxies;
    private final int maxConnectionsPerIdentity;
    private final Clock clock;
    private final KeyedAllowances messages;
    private final KeyedAllowances handshakes;
    private final ConcurrentMap<String, AtomicInteger> connectionsPerIdentity = new ConcurrentHashMap<>();
    private final AtomicInteger pendingHandshakes = new AtomicInteger();
    /** Bounds the log lines peers can cause, one limiter per statement. */
    final LogLimiter authDenials;
    final LogLimiter resolveFailures;
    final LogLimiter gapReports;

    PeerGuard(ServerSettings settings) {
        this.limits = settings.peerLimits();
        this.proxies = settings.trustedProxies();
        this.maxConnectionsPerIdentity = settings.maxConnectionsPerClient();
        this.clock = settings.clock();
        Allowance perIdentity = settings.rateLimitMessages() > 0
                ? Allowance.of(settings.rateLimitMessages(), settings.rateLimitWindow()) : Allowance.UNLIMITED;
        this.messages = new KeyedAllowances(perIdentity, MAX_TRACKED, clock);
        this.handshakes = new KeyedAllowances(limits.handshakesPerAddress(), MAX_TRACKED, clock);
        this.authDenials = LogLimiter.standard(clock);
        this.resolveFailures = LogLimiter.standard(clock);
        this.gapReports = LogLimiter.standard(clock);
    }

    /**
     * The identity limits are charged to once a session is bound. A thread id is a server-made UUID, so it cannot
     * look like a prefixed principal; kept as it is, it costs no string of its own per session.
     */
    static String identity(String principal, String threadId) {
        return principal != null ? "principal:" + principal : threadId;
    }

    // ---- Messages ---------------------------------------------------------------------------------------------

    /** A bucket for a connection before its handshake is accepted, or {@code null} without a rate limit. */
    TokenBucket newConnectionBucket() {
        return messages.enabled() ? messages.newBucket() : null;
    }

    /** The bucket an identity's messages are charged to, or {@code null} without a rate limit. */
    TokenBucket identityBucket(String identity) {
        return messages.enabled() ? messages.bucket(identity) : null;
    }

    /** The machine's gate over the bucket {@code current} names at each message. */
    ServerConnectionMachine.RateGate gate(Supplier<TokenBucket> current) {
        if (!messages.enabled()) {
            return ServerConnectionMachine.RateGate.UNLIMITED;
        }
        JsonObject details = new JsonObject();
        details.addProperty("limit", messages.allowance().count());
        details.addProperty("window_ms", messages.allowance().window().toMillis());
        return new ServerConnectionMachine.RateGate() {
            @Override
            public boolean tryAcquire() {
                return current.get().tryAcquire(clock.millis());
            }

            @Override
            public JsonObject details() {
                return details.deepCopy();
            }
        };
    }

    // ---- Connections per identity -----------------------------------------------------------------------------

    /** Counts a session of {@code identity}; false past the limit. {@code replaced}: the session it rebinds. */
    boolean tryCountIdentity(String identity, String replaced) {
        if (maxConnectionsPerIdentity == 0 || identity.equals(replaced)) {
            return true;
        }
        AtomicInteger count = connectionsPerIdentity.computeIfAbsent(identity, id -> new AtomicInteger());
        if (count.incrementAndGet() > maxConnectionsPerIdentity) {
            uncountIdentity(identity);
            return false;
        }
        if (replaced != null) {
            uncountIdentity(replaced);
        }
        return true;
    }

    void uncountIdentity(String identity) {
        if (maxConnectionsPerIdentity > 0 && identity != null) {
            connectionsPerIdentity.computeIfPresent(identity, (id, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    // ---- Handshakes -------------------------------------------------------------------------------------------

    /** The address a connection's handshakes are charged to. */
    String clientAddress(TransportConnection transport) {
        return proxies.clientKey(transport.remoteAddress(), proxies.any() ? transport::requestHeader : null);
    }

    /** Takes one handshake from the address's allowance. */
    boolean admitHandshake(String address) {
        return handshakes.tryAcquire(address);
    }

    /** The {@code details} of a refused handshake. */
    JsonObject handshakeDetails() {
        JsonObject details = new JsonObject();
        details.addProperty("limit", "handshakes_per_address");
        details.addProperty("max", limits.handshakesPerAddress().count());
        details.addProperty("window_ms", limits.handshakesPerAddress().window().toMillis());
        return details;
    }

    /** Counts a handshake going to the blocking executor; false when too many already wait. */
    boolean enterBlockingHandshake() {
        if (pendingHandshakes.incrementAndGet() > limits.maxPendingHandshakes()) {
            pendingHandshakes.decrementAndGet();
            return false;
        }
        return true;
    }

    void exitBlockingHandshake() {
        pendingHandshakes.decrementAndGet();
    }

    int maxPendingHandshakes() {
        return limits.maxPendingHandshakes();
    }

    // ---- Identifiers ------------------------------------------------------------------------------------------

    /** Why a {@code client_id} is refused, or {@code null} when it is kept as it is. */
    String clientIdProblem(String clientId) {
        if (!Identifiers.isStorable(clientId)) {
            return "client_id must not contain control characters or unpaired surrogates";
        }
        if (Identifiers.utf8Length(clientId) > limits.maxClientIdBytes()) {
            return "client_id is longer than " + limits.maxClientIdBytes() + " bytes";
        }
        return null;
    }

    /** Whether a thread id may name a stored thread; others are not looked up (not found, without a query). */
    static boolean lookupable(String threadId) {
        return threadId.length() <= 64 && Identifiers.isStorable(threadId);
    }

    /** Forgets budgets that are full again. */
    void sweep() {
        messages.sweep();
        handshakes.sweep();
    }
}
