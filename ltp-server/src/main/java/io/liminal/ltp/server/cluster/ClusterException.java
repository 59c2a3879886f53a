package io.liminal.ltp.server.cluster;

/**
 * A cross-node operation failed: the bus refused the message (disconnected and its queue full), or nodes that
 * hold the target did not answer in time. A message that goes to a thread's log (delivery-v1) is logged all the
 * same, and its clients get it when they resume; docs/cluster.md.
 */
public final class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message and the cause, if any. */
    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
