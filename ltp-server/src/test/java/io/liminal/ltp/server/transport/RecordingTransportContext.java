package io.liminal.ltp.server.transport;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link TransportContext} for unit tests of a transport's parts, without an engine: connections go to
 * {@code accept}, limits are fields a test may change between steps, and recorded events are kept in order.
 */
public final class RecordingTransportContext implements TransportContext {
    private final Function<TransportConnection, ConnectionListener> accept;
    /** What {@link #record} was given, oldest first. */
    public final List<TransportEvent> events = new ArrayList<>();
    public int maxMessageBytes = 1 << 20;
    public long hardFrameLimitBytes = 1 << 21;
    public TransportLimits limits = TransportLimits.DEFAULTS;

    /** A context whose {@link #accept} answers with {@code accept}'s listener. */
    public RecordingTransportContext(Function<TransportConnection, ConnectionListener> accept) {
        this.accept = accept;
    }

    /** A context for parts that never accept a connection. */
    public RecordingTransportContext() {
        this(connection -> {
            throw new UnsupportedOperationException();
        });
    }

    @Override
    public ConnectionListener accept(TransportConnection connection) {
        return accept.apply(connection);
    }

    @Override
    public boolean acceptingConnections() {
        return true;
    }

    @Override
    public HttpReply http(String method, String path, String authorization) {
        throw new UnsupportedOperationException();
    }

    @Override
    public InetSocketAddress bindAddress() {
        return null;
    }

    @Override
    public InetSocketAddress httpBindAddress() {
        return null;
    }

    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public long hardFrameLimitBytes() {
        return hardFrameLimitBytes;
    }

    @Override
    public TransportLimits limits() {
        return limits;
    }

    @Override
    public void record(TransportEvent event) {
        events.add(event);
    }
}
