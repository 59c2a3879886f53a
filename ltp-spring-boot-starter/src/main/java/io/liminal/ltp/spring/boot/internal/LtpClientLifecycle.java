package io.liminal.ltp.spring.boot.internal;

import io.liminal.ltp.client.LtpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Connects the client when the application has started, without waiting for the server: the client keeps trying
 * by its retry settings and buffers what the application sends meanwhile. Closes it when the application stops.
 */
public final class LtpClientLifecycle implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(LtpClientLifecycle.class);

    private final LtpClient client;
    private final boolean connect;
    private volatile boolean running;

    public LtpClientLifecycle(LtpClient client, boolean connect) {
        this.client = client;
        this.connect = connect;
    }

    @Override
    public void start() {
        running = true;
        if (connect) {
            client.connect().whenComplete((ok, error) -> {
                if (error != null) {
                    LOG.warn("The LTP client gave up connecting: {}", error.getMessage());
                }
            });
        }
    }

    @Override
    public void stop() {
        running = false;
        client.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
