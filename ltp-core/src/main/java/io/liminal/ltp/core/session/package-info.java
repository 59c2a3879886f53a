/**
 * The protocol's two state machines, pure and transport-free: events in, actions out through a sink, no threads,
 * no I/O, time from an injected {@link java.time.Clock}.
 *
 * <ul>
 *   <li>{@link io.liminal.ltp.core.session.ServerConnectionMachine}: one server-side connection, from the
 *       upgrade to the close.</li>
 *   <li>{@link io.liminal.ltp.core.session.ClientSessionMachine}: a client's life across connections, with
 *       resume, reconnect and permanent failure.</li>
 * </ul>
 *
 * Neither is thread-safe: each is owned by one serial lane (a connection's event loop, a client's executor).
 */
package io.liminal.ltp.core.session;
