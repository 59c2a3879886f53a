package io.liminal.ltp.server.transport;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executor;

/**
 * A transport without sockets: frames in, frames out. Tests (the engine's own, and applications testing their
 * handlers) open {@link Peer}s, send frames as a client would, and read what the server sent.
 *
 * <p>Each peer's lane runs tasks on the thread that submits them (one at a time), and timers run on the given
 * {@link Scheduler}; with a virtual-time scheduler everything is deterministic and single-threaded.
 */
public final class InMemoryTransport implements LtpTransport {
    private static final InetSocketAddress ADDRESS = InetSocketAddress.createUnresolved("in-memory", 0);

    private final Scheduler scheduler;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private volatile TransportContext context;
    private final CompletableFuture<Void> transportClosed = new CompletableFuture<>();

    /** A transport whose connection timers run on {@code scheduler}. */
    public InMemoryTransport(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    @Override
    public InetSocketAddress start(TransportContext context) {
        this.context = Objects.requireNonNull(context, "context");
        return ADDRESS;
    }

    @Override
    public InetSocketAddress httpAddress() {
        return null;
    }

    /** Answers an HTTP request as the server's endpoints would. */
    public HttpReply http(String method, String path, String authorization) {
        return requireStarted().http(method, path, authorization);
    }

    /** Answers an HTTP request with a body as the server's endpoints would. */
    public java.util.concurrent.CompletableFuture<HttpReply> http(String method, String path, String authorization,
            String body) {
        return requireStarted().http(method, path, authorization, body);
    }

    /** A connection that offers {@code ltp.v0.3} and sends no headers. */
    public Peer connect() {
        return connect(LtpVersions.CLIENT_OFFER, Map.of());
    }

    /**
     * A completed WebSocket upgrade.
     *
     * @param offeredSubprotocols what the client offers in {@code Sec-WebSocket-Protocol}
     * @param headers upgrade request headers
     * @throws IllegalStateException while the server is draining (a real transport answers HTTP 503)
     */
    public Peer connect(List<String> offeredSubprotocols, Map<String, String> headers) {
        TransportContext started = requireStarted();
        if (!started.acceptingConnections()) {
            throw new IllegalStateException("503 Service Unavailable: the server is draining");
        }
        Peer peer = new Peer(LtpVersions.selectSubprotocol(offeredSubprotocols).orElse(null), headers);
        peers.add(peer);
        peer.lane.execute(() -> peer.listener = started.accept(peer));
        return peer;
    }

    /**
     * Closes every connection. Afterwards, like the stopped event loops of a real transport, the connections'
     * executors refuse tasks with {@link RejectedExecutionException}.
     */
    @Override
    public void close() {
        for (Peer peer : peers) {
            peer.close(CloseCodes.GOING_AWAY, "transport closed");
        }
        transportClosed.complete(null);
    }

    /** Completes when {@link #close()} has run. */
    public CompletableFuture<Void> closed() {
        return transportClosed;
    }

    private TransportContext requireStarted() {
        TransportContext started = context;
        if (started == null) {
            throw new IllegalStateException("The transport is not started");
        }
        return started;
    }

    /** One in-memory connection: the engine's {@link TransportConnection} and the test's client handle at once. */
    public final class Peer implements TransportConnection {
        private final SerialExecutor lane = new SerialExecutor(Runnable::run, (t, e) -> {
            throw new IllegalStateException("Unhandled exception on an in-memory connection", e);
        });
        private final String subprotocol;
        private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final Deque<String> received = new ArrayDeque<>();
        private volatile ConnectionListener listener;
        private volatile boolean reading = true;
        private volatile boolean closed;
        private volatile int closeCode;
        private volatile String closeReason;
        private volatile boolean closedByServer;

        private Peer(String subprotocol, Map<String, String> headers) {
            this.subprotocol = subprotocol;
            this.headers.putAll(headers);
        }

        // ---- TransportConnection: what the engine calls -------------------------------------------------------

        @Override
        public void send(String text) {
            if (!closed) {
                synchronized (received) {
                    received.add(text);
                }
            }
        }

        @Override
        public void close(int code, String reason) {
            lane.execute(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                closedByServer = true;
                closeCode = code;
                closeReason = reason;
                if (listener != null) {
                    listener.onClosed(code, reason);
                }
            });
        }

        @Override
        public void setReading(boolean reading) {
            this.reading = reading;
        }

        @Override
        public SocketAddress remoteAddress() {
            return InetSocketAddress.createUnresolved("in-memory-peer", peers.indexOf(this) + 1);
        }

        @Override
        public String subprotocol() {
            return subprotocol;
        }

        @Override
        public String requestHeader(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public Executor executor() {
            return task -> {
                if (transportClosed.isDone()) {
                    throw new RejectedExecutionException("The in-memory transport is closed");
                }
                lane.execute(task);
            };
        }

        @Override
        public Scheduler scheduler() {
            return (task, delay, unit) -> scheduler.schedule(() -> lane.execute(task), delay, unit);
        }

        // ---- Client side: what a test calls ---------------------------------------------------------------------

        /** Sends a text message to the server. */
        public void sendText(String text) {
            lane.execute(() -> {
                if (!closed) {
                    listener.onText(text, text.getBytes(StandardCharsets.UTF_8).length);
                }
            });
        }

        /**
         * Sends several text messages as one network read would hand them over: the server takes in all of them
         * before any task it posts to the connection runs (what it writes back may then be combined).
         */
        public void sendTexts(String... texts) {
            lane.execute(() -> {
                for (String text : texts) {
                    if (!closed) {
                        listener.onText(text, text.getBytes(StandardCharsets.UTF_8).length);
                    }
                }
            });
        }

        /** Sends a binary message to the server. */
        public void sendBinary(byte[] data) {
            lane.execute(() -> {
                if (!closed) {
                    listener.onBinary(ByteBuffer.wrap(data));
                }
            });
        }

        /** Simulates a message over the transport's buffering limit. */
        public void sendOversized(long sizeBytes) {
            lane.execute(() -> {
                if (!closed) {
                    listener.onOversizedMessage(sizeBytes);
                }
            });
        }

        /** The client closes the connection. */
        public void clientClose(int code, String reason) {
            lane.execute(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                closeCode = code;
                closeReason = reason;
                listener.onClosed(code, reason);
            });
        }

        /** The next frame the server sent, or {@code null} when there is none. */
        public String poll() {
            synchronized (received) {
                return received.poll();
            }
        }

        /** Every frame the server sent and nobody polled yet, in order; clears them. */
        public List<String> drain() {
            synchronized (received) {
                List<String> frames = List.copyOf(received);
                received.clear();
                return frames;
            }
        }

        /** Whether the connection is closed. */
        public boolean isClosed() {
            return closed;
        }

        /** Whether the server closed it. */
        public boolean closedByServer() {
            return closedByServer;
        }

        /** The close code, or 0 while open. */
        public int closeCode() {
            return closeCode;
        }

        /** The close reason, or {@code null} while open. */
        public String closeReason() {
            return closeReason;
        }

        /** Whether the server currently reads from this connection (it pauses under backpressure). */
        public boolean isReading() {
            return reading;
        }
    }
}
