package io.liminal.ltp.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 for fault tests: put it between a client and a server, then cut, stall, delay or
 * refuse connections. Blocking I/O with two threads per proxied connection; meant for a handful of connections.
 *
 * <pre>{@code
 * try (TcpProxy proxy = TcpProxy.start(serverPort)) {
 *     connect to ws://127.0.0.1:" + proxy.port() + "/";
 *     proxy.cutAll();          // both sides see the connection drop
 *     proxy.stall(true);       // bytes stop flowing, sockets stay open
 * }
 * }</pre>
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private volatile int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Object gate = new Object();
    private volatile boolean stalled;
    private volatile boolean downstreamStalled;
    private volatile boolean refusing;
    private volatile long delayMillis;
    private volatile boolean closed;
    private volatile boolean refusingUpgrades;
    private volatile long cutUpgradedAfterMillis;
    private final AtomicInteger upgradesRefused = new AtomicInteger();

    private TcpProxy(ServerSocket listener, int targetPort) {
        this.listener = listener;
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on an ephemeral port of 127.0.0.1 forwarding to 127.0.0.1:{@code targetPort}. */
    public static TcpProxy start(int targetPort) {
        try {
            ServerSocket listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
            return new TcpProxy(listener, targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Forwards connections accepted from now on to 127.0.0.1:{@code port} (open ones stay where they are). */
    public void retarget(int port) {
        this.targetPort = port;
    }

    /** How many connections the proxy accepted so far. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /**
     * Waits until the proxy has accepted more than {@code count} connections (a client came back after a cut).
     *
     * @return false when none came within {@code timeout}
     */
    public boolean awaitAcceptedMoreThan(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (accepted) {
            while (accepted.get() <= count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(accepted, left);
            }
            return true;
        }
    }

    private void countAccepted() {
        synchronized (accepted) {
            accepted.incrementAndGet();
            accepted.notifyAll();
        }
    }

    /** How many proxied connections are open now. */
    public int openConnections() {
        return (int) links.stream().filter(link -> !link.closed).count();
    }

    /** Closes every proxied connection at once (with a TCP reset), as a network cut would look. */
    public void cutAll() {
        for (Link link : links) {
            link.close(true);
        }
    }

    /** While true, no byte moves in either direction; connections stay open. */
    public void stall(boolean stall) {
        this.stalled = stall;
        if (!stall) {
            synchronized (gate) {
                gate.notifyAll();
            }
        }
    }

    /**
     * While true, bytes from the server to the client stop (the client's still reach the server): answers and
     * acknowledgements are held back, as on a half-broken link.
     */
    public void stallDownstream(boolean stall) {
        this.downstreamStalled = stall;
        if (!stall) {
            synchronized (gate) {
                gate.notifyAll();
            }
        }
    }

    /** Adds a delay before each chunk is forwarded. */
    public void delay(Duration delay) {
        this.delayMillis = delay.toMillis();
    }

    /**
     * While true, WebSocket upgrade requests on new connections are answered {@code 403} and closed, as proxies
     * that do not pass {@code Upgrade} do; plain HTTP passes (the first request of a connection is inspected).
     */
    public void refuseUpgrades(boolean refuse) {
        this.refusingUpgrades = refuse;
    }

    /** Upgrade requests refused so far. */
    public int upgradesRefused() {
        return upgradesRefused.get();
    }

    /**
     * When set, connections whose first request is a WebSocket upgrade are cut (reset) this long after it passed,
     * as load balancers that kill upgraded connections do; {@code null} turns it off.
     */
    public void cutUpgradedAfter(Duration delay) {
        this.cutUpgradedAfterMillis = delay == null ? 0 : Math.max(1, delay.toMillis());
    }

    /** While true, new connections are closed right after they are accepted. */
    public void refuse(boolean refuse) {
        this.refusing = refuse;
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        cutAll();
        stall(false);
        stallDownstream(false);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (refusing) {
                countAccepted();
                closeQuietly(client, true);
                continue;
            }
            if (refusingUpgrades || cutUpgradedAfterMillis > 0) {
                Thread inspector = new Thread(() -> inspectThenLink(client), "tcp-proxy-inspect");
                inspector.setDaemon(true);
                inspector.start();
                continue;
            }
            link(client, new byte[0], false);
        }
    }

    private void link(Socket client, byte[] head, boolean upgrade) {
        try {
            Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            server.getOutputStream().write(head);
            Link link = new Link(client, server);
            links.add(link);
            link.start();
            long cutAfter = cutUpgradedAfterMillis;
            if (upgrade && cutAfter > 0) {
                Thread cutter = new Thread(() -> {
                    try {
                        Thread.sleep(cutAfter); // the fault being simulated is a timer in a load balancer
                    } catch (InterruptedException e) {
                        return;
                    }
                    link.close(true);
                }, "tcp-proxy-cutter");
                cutter.setDaemon(true);
                cutter.start();
            }
        } catch (IOException e) {
            closeQuietly(client, true);
        } finally {
            // Counted only once the link is registered, so a cutAll() right after seeing the count cuts it.
            countAccepted();
        }
    }

    /** Reads the first request's head (at most 16 KiB), then refuses an upgrade or links the connection. */
    private void inspectThenLink(Socket client) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            InputStream in = client.getInputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            while (matched < 4 && head.size() < 16 * 1024) {
                int b = in.read();
                if (b < 0) {
                    closeQuietly(client, false);
                    return;
                }
                head.write(b);
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
        } catch (IOException e) {
            closeQuietly(client, true);
            return;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        boolean upgrade = text.contains("\nupgrade: websocket") || text.contains("\nupgrade:websocket");
        if (upgrade && refusingUpgrades) {
            upgradesRefused.incrementAndGet();
            countAccepted();
            try {
                client.getOutputStream().write(("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
            } catch (IOException ignored) {
                // the client left
            }
            closeQuietly(client, false);
            return;
        }
        link(client, head.toByteArray(), upgrade);
    }

    private void pump(Link link, InputStream in, OutputStream out, boolean downstream) {
        byte[] buffer = new byte[16 * 1024];
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                waitWhileStalled(link, downstream);
                long delay = delayMillis;
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                if (link.closed) {
                    return;
                }
                out.write(buffer, 0, read);
                out.flush();
            }
            link.close(false);
        } catch (IOException | InterruptedException e) {
            link.close(true);
        }
    }

    private void waitWhileStalled(Link link, boolean downstream) throws InterruptedException {
        synchronized (gate) {
            while ((stalled || downstream && downstreamStalled) && !link.closed && !closed) {
                gate.wait(100);
            }
        }
    }

    private static void closeQuietly(Socket socket, boolean reset) {
        try {
            if (reset) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** One proxied connection. */
    private final class Link {
        final Socket client;
        final Socket server;
        volatile boolean closed;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void start() throws SocketException {
            startPump("up", client, server, false);
            startPump("down", server, client, true);
        }

        private void startPump(String name, Socket from, Socket to, boolean downstream) {
            Thread thread = new Thread(() -> {
                try {
                    pump(this, from.getInputStream(), to.getOutputStream(), downstream);
                } catch (IOException e) {
                    close(true);
                }
            }, "tcp-proxy-" + name + "-" + ((InetSocketAddress) client.getRemoteSocketAddress()).getPort());
            thread.setDaemon(true);
            thread.start();
        }

        synchronized void close(boolean reset) {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(client, reset);
            closeQuietly(server, reset);
            synchronized (gate) {
                gate.notifyAll();
            }
        }
    }
}
