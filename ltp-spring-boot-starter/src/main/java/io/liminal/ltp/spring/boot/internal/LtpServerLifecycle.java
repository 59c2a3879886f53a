package io.liminal.ltp.spring.boot.internal;

import io.liminal.ltp.server.LtpServer;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the server with the application and drains it on shutdown. The phase puts the drain before the web
 * server's graceful shutdown (phase {@code Integer.MAX_VALUE - 1024}): clients hear 1001 and resume elsewhere while
 * the application still serves, and the server then writes its live threads back to the store.
 */
public final class LtpServerLifecycle implements SmartLifecycle {
    /** Stops before the web server's graceful shutdown, which stops before the web server. */
    public static final int PHASE = Integer.MAX_VALUE - 512;
    private static final Logger LOG = LoggerFactory.getLogger(LtpServerLifecycle.class);

    private final LtpServer server;
    private final Duration drainTimeout;
    private final String where;
    /** Guards start and stop; never held while the server starts or drains (health checks read the state). */
    private final Object lock = new Object();
    private volatile boolean running;

    /**
     * @param where how clients reach the server, for the start-up log
     */
    public LtpServerLifecycle(LtpServer server, Duration drainTimeout, String where) {
        this.server = server;
        this.drainTimeout = drainTimeout;
        this.where = where;
    }

    /** Starts the server unless it runs already (the servlet transport starts it before the web server opens). */
    @Override
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            server.start(); // quick: binds a port or nothing, no application code runs
            running = true;
        }
        LOG.info("LTP server started ({})", where);
    }

    @Override
    public void stop() {
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
        }
        server.shutdown(drainTimeout);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
