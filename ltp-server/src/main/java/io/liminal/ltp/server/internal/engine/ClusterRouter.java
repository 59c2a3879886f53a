package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.cluster.ClusterException;
import io.liminal.ltp.server.cluster.ClusterNode;
import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes between the nodes of a cluster over a {@link ClusterBus}. A push goes to the thread's channel, which every
 * node holding the thread listens to; each node hands it to its own connections of the thread and answers the
 * publisher with how many that was. A logged message (delivery-v1) is in the shared store before its notice is
 * published, and a node hands notices to its connections in sequence order, reading from the store what it has
 * not been told yet (see {@link DeliveryLog#handOut}), so the bus may lose or reorder notices without a client
 * ever seeing a gap.
 *
 * <p>Messages are small JSON objects: {@code k} the kind, {@code o} the origin node, {@code r} the request id the
 * answer names (0: no answer wanted), {@code t} the thread, then {@code e} an envelope or {@code m} logged
 * messages ({@code s} seq, {@code x} text, {@code i} target instance).
 */
final class ClusterRouter implements ClusterBus.Receiver {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRouter.class);
    private static final String PUSH = "push";
    private static final String LOGGED = "log";
    private static final String BROADCAST = "all";
    private static final String COUNT = "n";

    private final LtpEngine engine;
    private final ClusterBus bus;
    private final String nodeId;
    private volatile ClusterNode node;
    private final Duration replyTimeout;
    private final Scheduler scheduler;
    private final ConcurrentMap<Long, ClusterRequest> pending = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    /** Applies hold/release in the order threads changed, so the bus never ends up holding the wrong set. */
    private final SerialExecutor presence;
    private volatile boolean connected;
    /** Set by {@link #close()}: the bus is gone, and every hold of this node with it. */
    private volatile boolean closed;

    /** Threads the bus holds for this node; changed only on {@link #presence}. */
    private final Set<String> held = new HashSet<>();

    ClusterRouter(LtpEngine engine, ClusterBus bus, String nodeId, Duration replyTimeout, Scheduler scheduler,
            Executor executor) {
        this.engine = engine;
        this.bus = bus;
        this.nodeId = nodeId;
        this.replyTimeout = replyTimeout;
        this.scheduler = scheduler;
        this.presence = new SerialExecutor(executor, (thread, error) -> {
            engine.metrics().clusterError("presence");
            LOG.warn("Could not update the cluster presence: {}", Redaction.redact(error).toString());
        });
    }

    String nodeId() {
        return nodeId;
    }

    /** Joins the cluster announcing {@code address}; a bus that cannot connect yet keeps trying by itself. */
    void start(InetSocketAddress address) {
        node = new ClusterNode(nodeId, address.getHostString() + ":" + address.getPort(), engine.clock().millis());
        try {
            bus.start(node, this).get(replyTimeout.toMillis() * 5, TimeUnit.MILLISECONDS);
            connected = true;
        } catch (Exception e) {
            // The bus reconnects by itself; until then /ready says so and cross-node sends fail visibly.
            engine.metrics().clusterError("start");
            LOG.warn("Cluster bus not reachable at start (node {}); retrying in the background: {}", node.id(),
                    Redaction.redact(e).toString());
        }
        LOG.info("Node {} joined the cluster", nodeId);
    }

    /** This node and the cluster's, for /health. */
    CompletableFuture<JsonObject> describe() {
        JsonObject cluster = new JsonObject();
        cluster.addProperty("node", nodeId);
        cluster.addProperty("bus", connected() ? "connected" : "disconnected");
        return bus.nodes().orTimeout(replyTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((nodes, error) -> {
            if (error != null) {
                cluster.addProperty("error", "node list unavailable");
                return cluster;
            }
            JsonArray list = new JsonArray();
            for (ClusterNode member : nodes) {
                JsonObject entry = new JsonObject();
                entry.addProperty("id", member.id());
                entry.addProperty("address", member.address());
                entry.addProperty("started_at", java.time.Instant.ofEpochMilli(member.startedAtMillis()).toString());
                list.add(entry);
            }
            cluster.add("nodes", list);
            return cluster;
        });
    }

    void close() {
        closed = true;
        try {
            bus.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the cluster bus failed: {}", Redaction.redact(e).toString());
        }
        for (ClusterRequest open : pending.values()) {
            open.fail(new ClusterException("Server stopped before every node answered", null));
        }
    }

    boolean connected() {
        return connected && bus.connected();
    }

    /**
     * A connection attached to the thread here or it was retired: the bus is told to hold or release it, in the
     * order of those changes. Once the bus listens on the thread, the log is read once more: a message another node
     * logged while this node was not listening yet must not wait for the next one.
     */
    void threadChanged(String threadId) {
        if (closed) {
            return; // threads still retire while the server stops; there is no bus left to tell
        }
        try {
            presence.execute(() -> presenceChanged(threadId));
        } catch (RejectedExecutionException stopping) {
            // the executor stopped after the check above: the server is stopping, and so does the bus
        }
    }

    private void presenceChanged(String threadId) {
        LiveThread live = engine.registry().get(threadId);
        if (live != null && !live.connections.isEmpty()) {
            if (held.add(threadId)) {
                bus.hold(threadId).whenComplete((ok, error) -> {
                    if (error != null) {
                        engine.metrics().clusterError("hold");
                    } else if (engine.deliveryLog() != null) {
                        live.lane.execute(() -> engine.deliveryLog().catchUpToTail(live));
                    }
                });
            }
        } else if (held.remove(threadId)) {
            bus.release(threadId);
        }
    }

    // ---- Sending ------------------------------------------------------------------------------------------------

    /**
     * Publishes a push that is not logged to the other nodes holding the thread.
     *
     * @param answer whether to wait for their counts; else nobody answers and it completes with 0 at once
     * @return completes with how many connections they handed it to
     */
    CompletableFuture<Integer> push(String threadId, Envelope envelope, boolean answer) {
        JsonObject message = header(PUSH, threadId);
        message.addProperty("e", engine.codec().encodeChecked(unstamped(envelope)));
        return answer ? request(message, bus::publishToThread, threadId) : tell(message, threadId);
    }

    /** Publishes on the thread's channel without waiting for answers. */
    private CompletableFuture<Integer> tell(JsonObject message, String threadId) {
        message.addProperty("r", 0);
        publish(bus.publishToThread(threadId, message.toString()), "publish");
        return CompletableFuture.completedFuture(0);
    }

    /**
     * Tells the other nodes holding the thread that messages were logged. After the commit, on the thread's lane.
     *
     * @param answer whether to wait for their counts (a push from outside a handler); else nobody answers
     */
    CompletableFuture<Integer> logged(String threadId, List<LoggedMessage> messages, boolean answer) {
        JsonObject message = header(LOGGED, threadId);
        JsonArray list = new JsonArray(messages.size());
        for (LoggedMessage logged : messages) {
            JsonObject entry = new JsonObject();
            entry.addProperty("s", logged.seq());
            entry.addProperty("x", logged.message());
            if (logged.targetInstance() != null) {
                entry.addProperty("i", logged.targetInstance());
            }
            list.add(entry);
        }
        message.add("m", list);
        return answer ? request(message, bus::publishToThread, threadId) : tell(message, threadId);
    }

    /** Sends to every connection of every other node; completes with how many they handed it to. */
    CompletableFuture<Integer> broadcast(Envelope envelope) {
        JsonObject message = header(BROADCAST, null);
        message.addProperty("e", engine.codec().encodeChecked(unstamped(envelope)));
        return request(message, (ignored, text) -> bus.publishToAll(text), null);
    }

    private interface Publish {
        CompletableFuture<Long> to(String key, String message);
    }

    private JsonObject header(String kind, String threadId) {
        JsonObject message = new JsonObject();
        message.addProperty("k", kind);
        message.addProperty("o", nodeId);
        if (threadId != null) {
            message.addProperty("t", threadId);
        }
        return message;
    }

    /**
     * Publishes and collects one answer per receiving node (this node answers itself with 0: it delivered
     * locally). Fails when the bus refuses the message or a node does not answer within the reply timeout.
     */
    private CompletableFuture<Integer> request(JsonObject message, Publish publish, String key) {
        long id = requests.incrementAndGet();
        message.addProperty("r", id);
        ClusterRequest request = new ClusterRequest(engine.metrics(), replyTimeout);
        pending.put(id, request);
        Scheduler.Cancellable timeout = scheduler.schedule(request::timedOut, replyTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        request.result.whenComplete((count, error) -> {
            timeout.cancel();
            pending.remove(id);
        });
        CompletableFuture<Long> published;
        try {
            published = publish.to(key, message.toString());
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        }
        engine.metrics().clusterPublished();
        published.whenComplete((receivers, error) -> {
            if (error != null) {
                engine.metrics().clusterError("publish");
                request.fail(new ClusterException("The cluster bus refused the message: " + error.getMessage(), error));
            } else {
                request.expect(receivers);
            }
        });
        return request.result;
    }

    private void publish(CompletableFuture<Long> published, String what) {
        engine.metrics().clusterPublished();
        published.whenComplete((receivers, error) -> {
            if (error != null) {
                engine.metrics().clusterError(what);
                LOG.debug("Cluster publish failed: {}", error.toString());
            }
        });
    }

    // ---- Receiving ----------------------------------------------------------------------------------------------

    @Override
    public void onMessage(String text) {
        engine.metrics().clusterReceived();
        JsonObject message;
        try {
            message = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            engine.metrics().clusterError("decode");
            LOG.warn("Dropped an undecodable cluster message ({} characters)", text.length());
            return;
        }
        String kind = string(message, "k");
        String origin = string(message, "o");
        long request = message.has("r") ? message.get("r").getAsLong() : 0;
        if (COUNT.equals(kind)) {
            ClusterRequest open = pending.get(request);
            if (open != null) {
                open.answer(message.get("n").getAsInt());
            }
            return;
        }
        if (nodeId.equals(origin)) {
            ClusterRequest open = pending.get(request);
            if (open != null) {
                open.answer(0); // delivered locally before it was published
            }
            return;
        }
        try {
            switch (kind == null ? "" : kind) {
                case PUSH -> answer(origin, request, pushHere(string(message, "t"), decode(string(message, "e"))));
                case BROADCAST -> answer(origin, request, engine.broadcastHere(decode(string(message, "e"))));
                case LOGGED -> loggedHere(string(message, "t"), message.getAsJsonArray("m"), origin, request);
                default -> {
                    engine.metrics().clusterError("decode");
                    LOG.warn("Dropped a cluster message of unknown kind");
                }
            }
        } catch (RuntimeException e) {
            engine.metrics().clusterError("handle");
            LOG.warn("Could not handle a cluster message: {}", Redaction.redact(e).toString());
            answerNow(origin, request, 0);
        }
    }

    @Override
    public void onConnectionChanged(boolean connected) {
        this.connected = connected;
        if (connected) {
            engine.metrics().clusterReconnect();
            LOG.info("Cluster bus connected (node {})", nodeId);
            // Notices published while the bus was away are lost; the log is not: read what came meanwhile.
            DeliveryLog log = engine.deliveryLog();
            if (log != null) {
                for (LiveThread live : engine.registry().all()) {
                    live.lane.execute(() -> log.catchUpToTail(live));
                }
            }
        } else {
            engine.metrics().clusterError("disconnected");
            LOG.warn("Cluster bus disconnected (node {}); reconnecting", nodeId);
        }
    }

    private CompletableFuture<Integer> pushHere(String threadId, Envelope envelope) {
        LiveThread thread = engine.registry().get(threadId);
        if (thread == null || thread.connections.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        return engine.pushPlain(List.copyOf(thread.connections), envelope);
    }

    /** Hands logged messages to this node's connections of the thread, on its lane, in sequence order. */
    private void loggedHere(String threadId, JsonArray entries, String origin, long request) {
        DeliveryLog log = engine.deliveryLog();
        LiveThread live = engine.registry().get(threadId);
        if (log == null || live == null) {
            answerNow(origin, request, 0); // nobody here; the log has it for when they come
            return;
        }
        List<LoggedMessage> messages = new ArrayList<>(entries.size());
        long now = engine.clock().millis();
        for (JsonElement element : entries) {
            JsonObject entry = element.getAsJsonObject();
            messages.add(new LoggedMessage(entry.get("s").getAsLong(), entry.get("x").getAsString(),
                    entry.has("i") ? entry.get("i").getAsString() : null, java.time.Instant.ofEpochMilli(now)));
        }
        live.lane.execute(() -> {
            int handed = 0;
            try {
                if (engine.registry().get(threadId) == live) {
                    for (int count : log.handOut(live, messages, null)) {
                        handed += count;
                    }
                }
            } finally {
                answerNow(origin, request, handed);
            }
        });
    }

    private void answer(String origin, long request, CompletableFuture<Integer> handed) {
        handed.whenComplete((count, error) -> answerNow(origin, request, error == null ? count : 0));
    }

    private void answerNow(String origin, long request, int count) {
        if (request == 0 || origin == null) {
            return;
        }
        JsonObject answer = new JsonObject();
        answer.addProperty("k", COUNT);
        answer.addProperty("o", nodeId);
        answer.addProperty("r", request);
        answer.addProperty("n", count);
        publish(bus.publishToNode(origin, answer.toString()), "answer");
    }

    private Envelope decode(String text) {
        return (Envelope) engine.codec().decode(text);
    }

    /** The envelope as another node stamps it for each of its connections. */
    private static Envelope unstamped(Envelope envelope) {
        return envelope.withIds("", "").withTimestamp(0).withNonce(null).withSignature(null);
    }

    private static String string(JsonObject message, String field) {
        JsonElement value = message.get(field);
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }
}
