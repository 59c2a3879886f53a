package io.liminal.ltp.client;

/**
 * How a connected session ended.
 *
 * @param code the WebSocket close code (1006 when the connection dropped without a close frame)
 * @param reason the close reason
 */
public record DisconnectInfo(int code, String reason) {
}
