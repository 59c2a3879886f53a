package io.liminal.ltp.client.internal;

import io.liminal.ltp.core.message.Envelope;
import java.util.concurrent.CompletableFuture;

/**
 * A message waiting in the offline buffer.
 *
 * @param sequence its place in the client's order, and its number under the delivery extension
 * @param envelope the envelope without ids (stamped when sent)
 * @param bytes its encoded size, for the buffer's byte bound
 * @param future completes when it is written to a live session (under the delivery extension: when the server
 *     acknowledged it)
 */
record Pending(long sequence, Envelope envelope, int bytes, CompletableFuture<Void> future) {
}
