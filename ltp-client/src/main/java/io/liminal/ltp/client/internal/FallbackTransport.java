package io.liminal.ltp.client.internal;

import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.concurrent.Scheduler;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses what carries each connection, in the builder's order of transports (WebSocket, then sse-v1, by default).
 *
 * <ul>
 *   <li>Within one attempt: when the first transport cannot open (an upgrade refused, or none within half the
 *       connect timeout), the next one is tried at once.</li>
 *   <li>Across attempts: the transport that opened last is tried first; one whose connections keep dying young
 *       (dropped without a close, twice in a row, within {@link #YOUNG}) gives way to the next.</li>
 *   <li>Back to the first: while a connection runs on a later transport, the first is probed every
 *       {@code probeInterval}; once it opens, the connection is ended as a server drain would end it (1001), so the
 *       client reconnects at once, on the first transport, and resumes its thread.</li>
 * </ul>
 */
public final class FallbackTransport implements ClientTransport {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackTransport.class);
    /** A connection that drops sooner than this after it opened died young. */
    static final Duration YOUNG = Duration.ofSeconds(10);
    static final int YOUNG_DEATHS_TO_MOVE_ON = 2;
    static final String SWITCH_REASON = "Switching to the preferred transport";

    private final List<Transport> order;
    private final Map<Transport, ClientTransport> transports;
    private final Duration firstTransportTimeout;
    private final Duration probeInterval;
    private final Scheduler scheduler;

    // Shared by the attempts' callbacks, which come from the transports' threads.
    private int firstChoice;
    private int youngDeaths;

    /**
     * @param order the transports allowed, preferred first
     * @param connectTimeout the client's connect timeout; the first transport gets half of it when others follow
     * @param probeInterval how often the first transport is tried again while a later one carries the connection
     */
    public FallbackTransport(List<Transport> order, Map<Transport, ClientTransport> transports,
            Duration connectTimeout, Duration probeInterval, Scheduler scheduler) {
        this.order = List.copyOf(order);
        this.transports = Map.copyOf(transports);
        this.firstTransportTimeout = connectTimeout.dividedBy(2);
        this.probeInterval = probeInterval;
        this.scheduler = scheduler;
    }

    @Override
    public Connection open(URI uri, Map<String, String> headers, Listener listener) {
        int start;
        synchronized (this) {
            start = firstChoice;
        }
        Attempt attempt = new Attempt(uri, headers, listener, start);
        attempt.tryNext();
        return attempt;
    }

    private synchronized void opened(int index) {
        firstChoice = index;
    }

    /** Counts a young death; returns true when the next attempt should start with another transport. */
    private synchronized boolean diedYoung(int index) {
        if (index != firstChoice || order.size() == 1) {
            return false;
        }
        if (++youngDeaths < YOUNG_DEATHS_TO_MOVE_ON) {
            return false;
        }
        youngDeaths = 0;
        firstChoice = (index + 1) % order.size();
        return true;
    }

    private synchronized void livedLong() {
        youngDeaths = 0;
    }

    private synchronized void preferredWorks() {
        firstChoice = 0;
        youngDeaths = 0;
    }

    /** One connection attempt, over one transport after another until one opens. */
    private final class Attempt implements Connection, Listener {
        private final URI uri;
        private final Map<String, String> headers;
        private final Listener listener;
        private final int start;
        private int tried;
        private int index;
        private Connection current;
        private boolean open;
        private boolean closedByClient;
        private boolean switching;
        private long openedNanos;
        private Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Attempt(URI uri, Map<String, String> headers, Listener listener, int start) {
            this.uri = uri;
            this.headers = headers;
            this.listener = listener;
            this.start = start;
        }

        /** Opens the next transport in order, with a timeout when another could follow. */
        void tryNext() {
            Connection next;
            synchronized (this) {
                index = (start + tried++) % order.size();
                next = transports.get(order.get(index)).open(uri, headers, new Delegate(this, index));
                current = next;
                if (tried < order.size()) {
                    int opening = index;
                    timer = scheduler.schedule(() -> openingTimedOut(opening), firstTransportTimeout.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
        }

        private void openingTimedOut(int opening) {
            Connection slow;
            synchronized (this) {
                if (open || closedByClient || index != opening) {
                    return;
                }
                slow = current;
            }
            LOG.debug("{} did not open within {}; trying the next transport", order.get(opening),
                    firstTransportTimeout);
            slow.close(CloseCodes.NORMAL, ""); // it reports its failure, which moves on
        }

        @Override
        public void send(String text) {
            Connection target;
            synchronized (this) {
                target = current;
            }
            target.send(text);
        }

        @Override
        public void close(int code, String reason) {
            Connection target;
            synchronized (this) {
                closedByClient = true;
                timer.cancel();
                target = current;
            }
            target.close(code, reason);
        }

        @Override
        public Transport transport() {
            synchronized (this) {
                return order.get(index);
            }
        }

        // ---- What the current transport reports ------------------------------------------------------------------

        @Override
        public void onOpen(String subprotocol) {
            int opened;
            synchronized (this) {
                open = true;
                openedNanos = System.nanoTime();
                timer.cancel();
                opened = index;
            }
            opened(opened);
            if (opened != 0) {
                LOG.info("Connected over {} ({} did not work); trying {} again every {}", order.get(opened),
                        order.get(0), order.get(0), probeInterval);
                scheduleProbe(opened);
            }
            listener.onOpen(subprotocol);
        }

        @Override
        public void onText(String text) {
            listener.onText(text);
        }

        @Override
        public void onBinary(ByteBuffer data) {
            listener.onBinary(data);
        }

        @Override
        public void onClosed(int code, String reason, boolean byServer) {
            int closed;
            long lived;
            boolean switched;
            synchronized (this) {
                closed = index;
                open = false;
                lived = System.nanoTime() - openedNanos;
                switched = switching;
                timer.cancel();
            }
            if (switched) {
                // Ended by us to move to the preferred transport: for the client, the server is going away.
                listener.onClosed(CloseCodes.GOING_AWAY, SWITCH_REASON, true);
                return;
            }
            if (byServer && code == CloseCodes.ABNORMAL && lived < YOUNG.toNanos()) {
                if (diedYoung(closed)) {
                    LOG.info("{} connections keep dropping young; trying {} first", order.get(closed),
                            order.get((closed + 1) % order.size()));
                }
            } else {
                livedLong();
            }
            listener.onClosed(code, reason, byServer);
        }

        @Override
        public void onFailed(Throwable cause) {
            boolean more;
            synchronized (this) {
                timer.cancel();
                more = !closedByClient && tried < order.size();
            }
            if (more) {
                LOG.debug("{} could not connect ({}); trying {}", order.get(index), cause.toString(),
                        order.get((start + tried) % order.size()));
                tryNext();
                return;
            }
            listener.onFailed(cause);
        }

        // ---- Back to the preferred transport ---------------------------------------------------------------------

        private void scheduleProbe(int runningOn) {
            scheduler.schedule(() -> probe(runningOn), probeInterval.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void probe(int runningOn) {
            synchronized (this) {
                if (!open || closedByClient || switching || index != runningOn) {
                    return; // this connection ended: the next one decides for itself
                }
            }
            new Probe(runningOn).start();
        }

        /** Opens the preferred transport once; if it opens, the connection moves back to it. */
        private final class Probe implements Listener {
            private final int runningOn;
            private Connection connection;
            private boolean opened;

            Probe(int runningOn) {
                this.runningOn = runningOn;
            }

            void start() {
                Connection opening = transports.get(order.get(0)).open(uri, headers, this);
                boolean alreadyOpen;
                synchronized (this) {
                    connection = opening;
                    alreadyOpen = opened;
                }
                if (alreadyOpen) {
                    opening.close(CloseCodes.NORMAL, "probe");
                }
            }

            @Override
            public void onOpen(String subprotocol) {
                Connection probe;
                synchronized (this) {
                    opened = true;
                    probe = connection;
                }
                if (probe != null) {
                    probe.close(CloseCodes.NORMAL, "probe");
                }
                preferredWorks();
                Connection fallback;
                synchronized (Attempt.this) {
                    if (!open || closedByClient || index != runningOn) {
                        return;
                    }
                    switching = true;
                    fallback = current;
                }
                LOG.info("{} works again; moving the connection back to it", order.get(0));
                fallback.close(CloseCodes.GOING_AWAY, SWITCH_REASON);
            }

            @Override
            public void onText(String text) {
            }

            @Override
            public void onBinary(ByteBuffer data) {
            }

            @Override
            public void onClosed(int code, String reason, boolean byServer) {
            }

            @Override
            public void onFailed(Throwable cause) {
                scheduleProbe(runningOn);
            }
        }
    }

    /** Reports of one transport's connection, dropped once the attempt moved past it. */
    private static final class Delegate implements Listener {
        private final Attempt attempt;
        private final int index;

        Delegate(Attempt attempt, int index) {
            this.attempt = attempt;
            this.index = index;
        }

        private boolean current() {
            synchronized (attempt) {
                return attempt.index == index;
            }
        }

        @Override
        public void onOpen(String subprotocol) {
            if (current()) {
                attempt.onOpen(subprotocol);
            }
        }

        @Override
        public void onText(String text) {
            attempt.onText(text);
        }

        @Override
        public void onBinary(ByteBuffer data) {
            attempt.onBinary(data);
        }

        @Override
        public void onClosed(int code, String reason, boolean byServer) {
            if (current()) {
                attempt.onClosed(code, reason, byServer);
            }
        }

        @Override
        public void onFailed(Throwable cause) {
            if (current()) {
                attempt.onFailed(cause);
            }
        }
    }
}
