package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.server.cluster.ClusterException;
import io.liminal.ltp.server.internal.metrics.ServerMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A cross-node request waiting for the answers of the nodes that received it: it knows how many to wait for once
 * the bus says how many received it (answers may come first), and completes with the sum of their counts, or
 * fails when the bus refused it or the reply timeout passed.
 */
final class ClusterRequest {
    final CompletableFuture<Integer> result = new CompletableFuture<>();
    private final ServerMetrics metrics;
    private final Duration replyTimeout;
    private final long startNanos = System.nanoTime();
    private long expected = -1;
    private int answers;
    private int sum;

    ClusterRequest(ServerMetrics metrics, Duration replyTimeout) {
        this.metrics = metrics;
        this.replyTimeout = replyTimeout;
    }

    /** The bus delivered it to {@code receivers} nodes: that many answers complete it. */
    synchronized void expect(long receivers) {
        expected = receivers;
        completeIfDone();
    }

    /** A node answered with how many of its connections it reached. */
    synchronized void answer(int count) {
        answers++;
        sum += count;
        completeIfDone();
    }

    private void completeIfDone() {
        if (expected >= 0 && answers >= expected && !result.isDone()) {
            metrics.clusterRoundTrip(System.nanoTime() - startNanos);
            result.complete(sum);
        }
    }

    void timedOut() {
        int missing;
        synchronized (this) {
            if (result.isDone()) {
                return;
            }
            missing = expected < 0 ? -1 : (int) (expected - answers);
        }
        metrics.clusterError("timeout");
        fail(new ClusterException(missing < 0
                ? "The cluster bus did not confirm the message within " + replyTimeout.toMillis() + " ms"
                : missing + " node(s) did not answer within " + replyTimeout.toMillis() + " ms", null));
    }

    void fail(ClusterException error) {
        result.completeExceptionally(error);
    }
}
