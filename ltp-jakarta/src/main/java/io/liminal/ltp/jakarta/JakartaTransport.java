package io.liminal.ltp.jakarta;

import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.jakarta.internal.JakartaConnection;
import io.liminal.ltp.jakarta.internal.LtpEndpoint;
import io.liminal.ltp.jakarta.internal.SseServlet;
import io.liminal.ltp.server.internal.sse.SseSessions;
import io.liminal.ltp.server.internal.sse.SseWire;
import io.liminal.ltp.server.transport.LtpTransport;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An LTP transport inside a servlet container (Jakarta WebSocket 2.1 or later; tested on Tomcat 11 and Jetty 12):
 * the LTP endpoint lives on the container's port and path, behind its TLS and filters. The server engine is the
 * same as on the Netty transport: handshake, heartbeat, limits, delivery, metrics.
 *
 * <pre>{@code
 * JakartaTransport transport = JakartaTransport.create("/ltp");
 * LtpServer server = LtpServer.builder().transport(transport).handler(handler).build().start();
 * ServerContainer container = (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
 * container.addEndpoint(transport.endpointConfig());
 * }</pre>
 *
 * <p>The sse-v1 fallback (docs/extensions/sse-v1.md), for clients whose network breaks WebSocket, is a servlet on
 * the same container: a transport {@link #createWithSse made with it} lists it in its acks, and its servlet is
 * registered during the application's initialization ({@link #registerSseServlet}, or {@link #sseServlet()} with the
 * framework's own registration) at {@link #SSE_PATH} of the root context.
 *
 * <p>What differs from the Netty transport, because the container owns the socket: {@code /health}, {@code /ready}
 * and {@code /metrics} are not served here (the application exposes them, or the Spring Boot starter does through
 * Actuator); {@link io.liminal.ltp.server.LtpServer#port()} is 0; WebSocket pings are answered by the container
 * (the LTP heartbeat is unaffected); and while the server is draining an upgrade is accepted and then closed with
 * 1001, since Jakarta WebSocket cannot answer an upgrade with 503. Pausing reads (backpressure while the
 * application catches up) uses the container's suspend where it has one (Tomcat); elsewhere messages wait in the
 * transport, bounded by {@link io.liminal.ltp.server.transport.TransportLimits#maxBufferedInboundBytes()} over
 * all connections.
 */
public final class JakartaTransport implements LtpTransport {
    /** The sse-v1 binding's path, where clients look for it on the WebSocket URL's origin. */
    public static final String SSE_PATH = SseWire.PATH;
    private static final String HEADERS = "io.liminal.ltp.jakarta.headers";

    private final String path;
    private final ExecutorService lanes;
    private final ScheduledExecutorService timers;
    private final Set<JakartaConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong bufferedInbound = new AtomicLong();
    private volatile TransportContext context;
    private volatile SseSessions sse;
    private final boolean sseOffered;
    private SseServlet sseServlet;

    private JakartaTransport(String path, int laneThreads, boolean sseOffered) {
        this.path = path;
        this.sseOffered = sseOffered;
        AtomicInteger count = new AtomicInteger();
        this.lanes = Executors.newFixedThreadPool(laneThreads,
                runnable -> thread(runnable, "ltp-jakarta-" + count.incrementAndGet()));
        this.timers = Executors.newSingleThreadScheduledExecutor(runnable -> thread(runnable, "ltp-jakarta-timer"));
    }

    /**
     * Threads start when a container thread first hands work over; they must not keep the web application's
     * class loader (a redeploy would leak it), so they take the library's.
     */
    private static Thread thread(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        thread.setContextClassLoader(JakartaTransport.class.getClassLoader());
        return thread;
    }

    /**
     * A transport for the endpoint at {@code path} (for example {@code /ltp}). Connection lanes run on a pool of
     * as many threads as there are cores; they never block.
     */
    public static JakartaTransport create(String path) {
        return create(path, false);
    }

    /**
     * As {@link #create}, for a transport that also serves the sse-v1 fallback: acks list {@code sse-v1}, so
     * register {@link #sseServlet()} too ({@link #registerSseServlet}).
     */
    public static JakartaTransport createWithSse(String path) {
        return create(path, true);
    }

    private static JakartaTransport create(String path, boolean sse) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("The endpoint path must start with '/': " + path);
        }
        return new JakartaTransport(path, Math.max(2, Runtime.getRuntime().availableProcessors()), sse);
    }

    /**
     * The endpoint to register with the container's {@code ServerContainer}. Connections that arrive before the
     * server started are closed with 1013 (try again later).
     */
    public ServerEndpointConfig endpointConfig() {
        return ServerEndpointConfig.Builder.create(LtpEndpoint.class, path)
                .subprotocols(List.of(LtpVersions.SUBPROTOCOL_V0_3, LtpVersions.SUBPROTOCOL_V0_2))
                .configurator(new Configurator())
                .build();
    }

    /**
     * The sse-v1 binding's servlet, made once. Map it at {@link #SSE_PATH} of the root context with asynchronous
     * support on ({@link #registerSseServlet} does both). Requests that arrive before the server started are
     * answered 503.
     *
     * @throws IllegalStateException when the transport was not made {@link #createWithSse with sse-v1}
     */
    public synchronized HttpServlet sseServlet() {
        if (!sseOffered) {
            throw new IllegalStateException("This transport does not offer sse-v1: make it with createWithSse");
        }
        if (sseServlet == null) {
            sseServlet = new SseServlet(() -> sse, lanes, timers, bufferedInbound);
        }
        return sseServlet;
    }

    /**
     * Registers {@link #sseServlet()} with {@code servletContext} at {@link #SSE_PATH}, asynchronous; call it while
     * the context initializes (a {@code ServletContainerInitializer} or {@code ServletContextListener}), as for
     * any servlet added in code.
     */
    public void registerSseServlet(ServletContext servletContext) {
        ServletRegistration.Dynamic registration = servletContext.addServlet("ltp-sse", sseServlet());
        if (registration == null) {
            throw new IllegalStateException("A servlet named ltp-sse is registered already");
        }
        registration.setAsyncSupported(true);
        registration.addMapping(SSE_PATH);
    }

    @Override
    public List<String> capabilities() {
        return sseOffered ? List.of(SseWire.CAPABILITY) : List.of();
    }

    /** The endpoint's path. */
    public String path() {
        return path;
    }

    @Override
    public InetSocketAddress start(TransportContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.sse = new SseSessions(context);
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0); // the container's port: not ours to know
    }

    @Override
    public InetSocketAddress httpAddress() {
        return null;
    }

    @Override
    public long bufferedInboundBytes() {
        return bufferedInbound.get();
    }

    @Override
    public void close() {
        for (JakartaConnection connection : open) {
            connection.close(1001, "Server shutting down");
        }
        SseSessions started = sse;
        if (started != null) {
            started.closeAll(1001, "Server shutting down");
        }
        timers.schedule(() -> {
            lanes.shutdown();
            timers.shutdown();
        }, 1, TimeUnit.SECONDS); // lets the closes above reach their listeners
    }

    @Override
    public String toString() {
        return "the servlet container's Jakarta WebSocket at " + path;
    }

    /** A session the container opened: a connection for the engine, or {@code null} when refused. */
    private JakartaConnection open(Session session, EndpointConfig config) {
        @SuppressWarnings("unchecked")
        Map<String, String> headers = (Map<String, String>) config.getUserProperties().get(HEADERS);
        TransportContext started = context;
        if (started == null) {
            JakartaConnection.refuse(session, 1013, "Server not started");
            return null;
        }
        JakartaConnection connection = new JakartaConnection(session, headers == null ? Map.of() : headers, started,
                lanes, timers, bufferedInbound, open::remove);
        open.add(connection);
        connection.open();
        return connection;
    }

    /** Negotiates the subprotocol by LTP's rule, checks Origin, and hands each connection its own endpoint. */
    private final class Configurator extends ServerEndpointConfig.Configurator {
        @Override
        public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
            return LtpVersions.selectSubprotocol(requested).orElse("");
        }

        @Override
        public boolean checkOrigin(String origin) {
            TransportContext started = context;
            if (started == null || origin == null || started.limits().allowsOrigin(origin)) {
                return true;
            }
            started.record(TransportEvent.ORIGIN_REFUSED);
            return false;
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
            // The config given here is this connection's own copy (Jakarta WebSocket 2.1, 3.1.2), so is its map.
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            request.getHeaders().forEach((name, values) -> {
                if (name != null && values != null && !values.isEmpty()) {
                    headers.put(name, String.join(", ", values));
                }
            });
            config.getUserProperties().put(HEADERS, headers);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return (T) new LtpEndpoint(JakartaTransport.this::open);
        }
    }
}
