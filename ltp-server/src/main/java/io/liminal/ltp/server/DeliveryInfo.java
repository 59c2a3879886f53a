package io.liminal.ltp.server;

/**
 * Where a message stands under the delivery extension ({@code delivery-v1}): its number in the sending client
 * instance's stream. The server hands each number to the handler once and in order. The one exception: a message
 * that a server process handed to its handler but could not commit (the process died, or its store failed) comes
 * again, and then {@link #possibleRedelivery()} is true (for one message per instance, or for the messages of one
 * commit with {@code LtpServer.Builder.deliveryBatch}). What the first call sent was not logged (it is committed
 * with the message), so an application that must act exactly once across crashes keeps the last number it applied
 * per instance in the same transaction as its effect, skips the effect of a marked message it has applied, and
 * sends its replies every time (docs/durability.md, "Apply once, reply every time").
 *
 * @param sequence the message's number (1, 2, 3, ... per client instance)
 * @param clientInstance the sending client instance
 * @param possibleRedelivery true when an earlier handover may have happened: the instance's last position was
 *     recorded by a server run that did not stop cleanly (it was killed, crashed, or still runs elsewhere), or a
 *     commit of this run failed. Never true after reconnects to the same run or after a clean restart
 */
public record DeliveryInfo(long sequence, String clientInstance, boolean possibleRedelivery) {
}
