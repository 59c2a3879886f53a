package io.liminal.ltp.spring.boot;

import io.liminal.ltp.client.LtpClient;

/**
 * Adjusts the client builder after the {@code ltp.client.*} properties were applied (a journal, TLS trust,
 * handshake metadata...). Beans of this type are applied in {@link org.springframework.core.annotation.Order}
 * order.
 */
@FunctionalInterface
public interface LtpClientBuilderCustomizer {

    /** Changes {@code builder} in place. */
    void customize(LtpClient.Builder builder);
}
