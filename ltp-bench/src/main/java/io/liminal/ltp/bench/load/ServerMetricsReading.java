package io.liminal.ltp.bench.load;

/**
 * What the server's {@code /metrics} said before the sessions connected and at the end of the measurement: heap in
 * use and open connections, so memory per session can be read off a server the generator cannot inspect
 * directly. Every figure is -1 when the server has no {@code /metrics} (the echo baseline) or none was asked for.
 */
public record ServerMetricsReading(double heapBefore, double heapDuring, double connectionsBefore,
        double connectionsDuring) {
    /** No {@code /metrics}. */
    public static final ServerMetricsReading NONE = new ServerMetricsReading(-1, -1, -1, -1);

    static ServerMetricsReading of(PrometheusText before, PrometheusText during) {
        return new ServerMetricsReading(before.heapUsedBytes(), during.heapUsedBytes(), before.connections(),
                during.connections());
    }

    /** Connections the server counted that the run added, or -1. */
    public double addedConnections() {
        return connectionsBefore < 0 || connectionsDuring < 0 ? -1 : connectionsDuring - connectionsBefore;
    }

    /**
     * Growth of the server's used heap per added connection, or -1. Right after a full GC (the generator's
     * {@code --live-heap}) this is live heap per session; otherwise it includes garbage not yet collected.
     */
    public double heapPerSession() {
        double added = addedConnections();
        return heapBefore < 0 || heapDuring < 0 || added <= 0 ? -1 : (heapDuring - heapBefore) / added;
    }
}
