package io.liminal.ltp.spring.boot;

import io.liminal.ltp.server.LtpServer;

/**
 * Adjusts the server builder after the {@code ltp.server.*} properties were applied, for whatever they do not
 * cover (peer and transport limits, delivery retention, executors, TLS of the Netty transport...). Beans of this
 * type are applied in {@link org.springframework.core.annotation.Order} order.
 */
@FunctionalInterface
public interface LtpServerBuilderCustomizer {

    /** Changes {@code builder} in place. */
    void customize(LtpServer.Builder builder);
}
