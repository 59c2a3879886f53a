/**
 * The transport SPI: how a WebSocket stack plugs into the LTP engine. The default transport is Netty; the
 * {@link io.liminal.ltp.server.transport.InMemoryTransport} carries frames without sockets, for tests.
 *
 * <p>A transport accepts WebSocket connections, selects the subprotocol with
 * {@link io.liminal.ltp.core.LtpVersions#selectSubprotocol}, and for each connection hands the engine a
 * {@link io.liminal.ltp.server.transport.TransportConnection} and delivers frames to the
 * {@link io.liminal.ltp.server.transport.ConnectionListener} it gets back.
 */
package io.liminal.ltp.server.transport;
