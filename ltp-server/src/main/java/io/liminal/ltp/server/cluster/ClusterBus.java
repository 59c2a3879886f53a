package io.liminal.ltp.server.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The message bus and presence registry the nodes of a cluster share. The server routes through it: a push to a
 * thread is published on the thread's channel, which every node holding the thread listens to; each node answers
 * on its own channel. Implementations only move strings and record presence; what the messages mean is the
 * server's business.
 *
 * <p>Implementations are thread-safe, never block the caller (every operation is asynchronous), and reconnect by
 * themselves. While disconnected they may queue publishes in a bounded queue; beyond it, or when they cannot
 * queue, the returned future fails. They deliver received messages one at a time, in the order each publisher
 * published them.
 */
public interface ClusterBus extends AutoCloseable {

    /**
     * Joins the cluster as {@code node}: listens on the node's channel and the cluster-wide channel, registers the
     * node's presence (and keeps it fresh until {@link #close()}), and hands every message for this node to
     * {@code receiver}. Completes once listening.
     */
    CompletableFuture<Void> start(ClusterNode node, Receiver receiver);

    /**
     * Listens on a thread's channel and records that this node holds the thread (with an expiry the bus keeps
     * fresh, so a dead node's entries disappear by themselves). The server calls {@code hold} and
     * {@link #release} for a thread alternately and from one thread at a time; the bus applies them in that order.
     *
     * @return completes once messages published on the thread's channel reach this node
     */
    CompletableFuture<Void> hold(String threadId);

    /** Stops listening on a thread's channel and removes this node from the thread's presence. */
    void release(String threadId);

    /**
     * Publishes on a thread's channel.
     *
     * @return completes with how many nodes listen on the channel (this one included when it holds the thread)
     */
    CompletableFuture<Long> publishToThread(String threadId, String message);

    /** Publishes to every node, this one included; completes with how many received it. */
    CompletableFuture<Long> publishToAll(String message);

    /** Publishes on one node's channel; completes with how many received it (0 when the node is gone). */
    CompletableFuture<Long> publishToNode(String nodeId, String message);

    /** The nodes whose presence has not expired, this one included. */
    CompletableFuture<List<ClusterNode>> nodes();

    /** Whether the bus is connected now. */
    boolean connected();

    /** Leaves the cluster: removes this node's presence and closes the connections. Idempotent. */
    @Override
    void close();

    /** What the bus hands the server. Called one message at a time; must not block. */
    interface Receiver {
        /** A message on one of this node's channels (published by any node, this one included). */
        void onMessage(String message);

        /** The bus lost or regained its connection. */
        default void onConnectionChanged(boolean connected) {
        }
    }
}
