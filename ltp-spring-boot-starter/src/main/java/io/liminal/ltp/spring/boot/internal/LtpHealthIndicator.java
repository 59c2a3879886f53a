package io.liminal.ltp.spring.boot.internal;

import io.liminal.ltp.server.LtpServer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code ltp} health contributor: UP while the server accepts connections; OUT_OF_SERVICE while it starts,
 * drains or is stopped, or while its store or cluster bus is unreachable, so that a load balancer sends clients
 * elsewhere.
 */
public final class LtpHealthIndicator implements HealthIndicator {
    private final LtpServer server;

    public LtpHealthIndicator(LtpServer server) {
        this.server = server;
    }

    @Override
    public Health health() {
        return (server.isReady() ? Health.up() : Health.outOfService())
                .withDetail("connections", server.connectionCount())
                .withDetail("liveThreads", server.liveThreadCount())
                .withDetail("version", LtpServer.VERSION)
                .build();
    }
}
