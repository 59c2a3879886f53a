package io.liminal.ltp.server;

/**
 * Where a message stands under the delivery extension ({@code delivery-v1}): its number in the sending client
 * instance's stream. The server hands each number to the handler once and in order while it runs; a message whose
 * handler ran just before a crash of the server process may come again after the restart, and then
 * {@link #possibleRedelivery()} is true: handlers that must act exactly once across crashes keep the last number
 * they applied per instance (in the same transaction as their effect) and skip what they have seen.
 *
 * @param sequence the message's number (1, 2, 3, ... per client instance)
 * @param clientInstance the sending client instance
 * @param possibleRedelivery whether an earlier server process may already have handed this message to a handler
 */
public record DeliveryInfo(long sequence, String clientInstance, boolean possibleRedelivery) {
}
