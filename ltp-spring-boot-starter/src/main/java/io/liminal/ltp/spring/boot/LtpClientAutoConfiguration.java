package io.liminal.ltp.spring.boot;

import io.liminal.ltp.client.FileThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.spring.boot.internal.LtpClientLifecycle;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * An {@link LtpClient} bean when {@code ltp.client.url} is set, configured by {@link LtpClientProperties}, with the
 * context's {@link LtpClientListener} beans as listeners. It connects once the application has started (without
 * holding the start-up back: it retries by itself and buffers sends meanwhile) and closes when the application
 * stops.
 */
@AutoConfiguration
@ConditionalOnClass(LtpClient.class)
@ConditionalOnProperty(name = "ltp.client.url")
@EnableConfigurationProperties(LtpClientProperties.class)
public class LtpClientAutoConfiguration {

    /** The client, not connected: {@link #ltpClientLifecycle} connects it. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LtpClient ltpClient(LtpClientProperties properties, ObjectProvider<LtpClientListener> listeners,
            ObjectProvider<LtpClientBuilderCustomizer> customizers) {
        LtpClient.Builder builder = LtpClient.builder(properties.getUrl());
        if (properties.getClientId() != null) {
            builder.clientId(properties.getClientId());
        }
        if (properties.getIdStoreFile() != null) {
            builder.threadIdStore(new FileThreadIdStore(properties.getIdStoreFile()));
        }
        if (properties.getAuthToken() != null) {
            builder.authToken(properties.getAuthToken());
        }
        LtpClientProperties.OfflineBuffer buffer = properties.getOfflineBuffer();
        builder.offlineBuffer(buffer.getMaxMessages(), buffer.getMaxSize().toBytes(), buffer.getOverflowPolicy());
        LtpClientProperties.Retry retry = properties.getRetry();
        int attempts = retry.getMaxAttempts() <= 0 ? Integer.MAX_VALUE : retry.getMaxAttempts();
        builder.retry(LtpClient.retryConfig(attempts, retry.getBase(), retry.getMax(), retry.getJitter()));
        listeners.orderedStream().forEach(builder::listener);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    LtpClientLifecycle ltpClientLifecycle(LtpClient client, LtpClientProperties properties) {
        return new LtpClientLifecycle(client, properties.isConnectOnStartup());
    }
}
