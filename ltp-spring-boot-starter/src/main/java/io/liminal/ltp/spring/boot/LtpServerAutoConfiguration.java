package io.liminal.ltp.spring.boot;

import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.jakarta.JakartaTransport;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.auth.Authenticator;
import io.liminal.ltp.server.auth.JwtAuthenticator;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.cluster.ClusterBusProvider;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import io.liminal.ltp.spring.boot.internal.CompositeHandler;
import io.liminal.ltp.spring.boot.internal.JakartaEndpointRegistrar;
import io.liminal.ltp.spring.boot.internal.LtpHealthIndicator;
import io.liminal.ltp.spring.boot.internal.LtpServerLifecycle;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An LTP server for the context's {@link LtpHandler} beans (several are called in {@code @Order} order), configured
 * by {@link LtpServerProperties}. On the application's own port and path by default ({@code ltp.server.path},
 * {@code /ltp}), through the servlet container's Jakarta WebSocket; on a Netty port of its own with
 * {@code ltp.server.transport=netty}. Its meters go to the application's {@link MeterRegistry}, its health to the
 * Actuator contributor {@code ltp}, and it drains (close 1001) when the application shuts down, before the web
 * server's graceful shutdown.
 *
 * <p>Beans that replace properties: {@link ThreadStore}, {@link Authenticator}, {@link ClusterBus}; any other
 * setting: {@link LtpServerBuilderCustomizer}. A {@link LtpServer} bean of the application's own replaces this
 * configuration.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"})
@ConditionalOnClass(LtpServer.class)
@ConditionalOnBean(LtpHandler.class)
@ConditionalOnBooleanProperty(name = "ltp.server.enabled", matchIfMissing = true)
@ConditionalOnMissingBean(LtpServer.class)
@EnableConfigurationProperties(LtpServerProperties.class)
public class LtpServerAutoConfiguration {

    /** The server, not started: {@link #ltpServerLifecycle} starts it. */
    @Bean
    LtpServer ltpServer(LtpServerProperties properties, ObjectProvider<LtpHandler> handlers,
            ObjectProvider<JakartaTransport> servletTransport, ObjectProvider<ThreadStore> store,
            ObjectProvider<Authenticator> authenticator, ObjectProvider<ClusterBus> cluster,
            ObjectProvider<MeterRegistry> registry, ObjectProvider<LtpServerBuilderCustomizer> customizers) {
        LtpServer.Builder builder = LtpServer.builder()
                .handler(CompositeHandler.of(handlers.orderedStream().toList()))
                .heartbeatInterval(properties.getHeartbeatInterval())
                .handshakeTimeout(properties.getHandshakeTimeout())
                .threadTtl(properties.getThreadTtl());
        if (properties.isNonBlockingHandler()) {
            builder.nonBlockingHandler();
        }
        if (properties.getTransport() == LtpServerProperties.Transport.SERVLET) {
            JakartaTransport transport = servletTransport.getIfAvailable();
            if (transport == null) {
                throw new IllegalStateException("ltp.server.transport=servlet needs a servlet web application "
                        + "(spring-boot-starter-webmvc on Tomcat or Jetty) with jakarta.websocket on the class path; "
                        + "set ltp.server.transport=netty to run LTP on a port of its own");
            }
            builder.transport(transport);
        } else {
            builder.host(properties.getHost()).port(properties.getPort()).sseBinding(properties.isSse());
        }
        applyLimits(builder, properties.getLimits());
        if (!properties.getAllowedOrigins().isEmpty()) {
            builder.allowedOrigins(properties.getAllowedOrigins().toArray(String[]::new));
        }
        if (!properties.getTrustedProxies().isEmpty()) {
            builder.trustedProxies(properties.getTrustedProxies().toArray(String[]::new));
        }
        builder.threadStore(store.getIfAvailable(() -> storeFromProperty(properties)));
        Authenticator auth = authenticator.getIfAvailable(() -> jwtFromProperties(properties.getAuth()));
        if (auth != null) {
            builder.authenticator(auth);
        }
        ClusterBus bus = cluster.getIfAvailable(() -> properties.getCluster() == null ? null
                : setting("ltp.server.cluster", Redaction.redact(properties.getCluster()),
                        () -> ClusterBusProvider.load(properties.getCluster())));
        if (bus != null) {
            builder.cluster(bus);
            if (properties.getNodeId() != null) {
                builder.nodeId(properties.getNodeId());
            }
        }
        registry.ifAvailable(builder::meterRegistry);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /** Starts the server with the application; drains it first thing on shutdown. */
    @Bean
    LtpServerLifecycle ltpServerLifecycle(LtpServer server, LtpServerProperties properties) {
        String where = properties.getTransport() == LtpServerProperties.Transport.SERVLET
                ? "on the application's port at " + properties.getPath()
                : "on port " + properties.getPort();
        return new LtpServerLifecycle(server, properties.getDrainTimeout(), where);
    }

    private static void applyLimits(LtpServer.Builder builder, LtpServerProperties.Limits limits) {
        if (limits.getMaxConnections() != null) {
            builder.maxConnections(limits.getMaxConnections());
        }
        if (limits.getMaxConnectionsPerClient() != null) {
            builder.maxConnectionsPerClient(limits.getMaxConnectionsPerClient());
        }
        if (limits.getMaxConnectionsPerThread() != null) {
            builder.maxConnectionsPerThread(limits.getMaxConnectionsPerThread());
        }
        if (limits.getMaxThreads() != null) {
            builder.maxThreads(limits.getMaxThreads());
        }
        if (limits.getMaxMessageSize() != null) {
            long bytes = limits.getMaxMessageSize().toBytes();
            if (bytes < 1_024 || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ltp.server.limits.max-message-size must be between 1KB and 2GB "
                        + "but was " + limits.getMaxMessageSize());
            }
            builder.limits(Limits.defaults().toBuilder().maxMessageBytes((int) bytes).build());
        }
        if (limits.getRateLimitPerMinute() != null) {
            if (limits.getRateLimitPerMinute() == 0) {
                builder.noRateLimit();
            } else {
                builder.rateLimit(limits.getRateLimitPerMinute(), Duration.ofMinutes(1));
            }
        }
    }

    private static ThreadStore storeFromProperty(LtpServerProperties properties) {
        return setting("ltp.server.store", Redaction.redact(properties.getStore()),
                () -> ThreadStoreProvider.load(properties.getStore(), properties.getThreadTtl()));
    }

    private static Authenticator jwtFromProperties(LtpServerProperties.Auth auth) {
        if (auth.getJwtSecret() != null && auth.getJwtPublicKey() != null) {
            throw new IllegalArgumentException("Give ltp.server.auth.jwt-secret or ltp.server.auth.jwt-public-key, "
                    + "not both");
        }
        JwtAuthenticator.Builder jwt;
        if (auth.getJwtSecret() != null) {
            jwt = setting("ltp.server.auth.jwt-secret", "(hidden)", () -> JwtAuthenticator.hs256(auth.getJwtSecret()));
        } else if (auth.getJwtPublicKey() != null) {
            jwt = setting("ltp.server.auth.jwt-public-key", auth.getJwtPublicKey(), () -> {
                try {
                    return JwtAuthenticator.rs256Pem(Files.readString(Path.of(auth.getJwtPublicKey())));
                } catch (IOException e) {
                    throw new IllegalArgumentException("not readable: " + e.getMessage(), e);
                }
            });
        } else if (auth.getIssuer() != null || auth.getAudience() != null) {
            throw new IllegalArgumentException("ltp.server.auth.issuer and audience need ltp.server.auth.jwt-secret "
                    + "or ltp.server.auth.jwt-public-key");
        } else {
            return null;
        }
        if (auth.getIssuer() != null) {
            jwt.issuer(auth.getIssuer());
        }
        if (auth.getAudience() != null) {
            jwt.audience(auth.getAudience());
        }
        return jwt.build();
    }

    /** Runs {@code create}, naming the property and its value, passwords hidden, when it fails. */
    private static <T> T setting(String property, String shown, java.util.function.Supplier<T> create) {
        try {
            return create.get();
        } catch (RuntimeException e) {
            // The cause stays out: a driver's message can repeat the URL with its password.
            throw new IllegalArgumentException("Invalid " + property + " (" + shown + "): "
                    + Redaction.redact(String.valueOf(e.getMessage())));
        }
    }

    /** On the application's own port: the Jakarta WebSocket transport and its registration. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = {"jakarta.websocket.server.ServerContainer",
            "org.springframework.web.context.ServletContextAware"})
    @ConditionalOnProperty(name = "ltp.server.transport", havingValue = "servlet", matchIfMissing = true)
    static class ServletTransportConfiguration {

        @Bean
        JakartaTransport ltpJakartaTransport(LtpServerProperties properties) {
            return properties.isSse() ? JakartaTransport.createWithSse(properties.getPath())
                    : JakartaTransport.create(properties.getPath());
        }

        /** The sse-v1 fallback's servlet at /ltp/sse, registered with the web server as it starts. */
        @Bean
        @ConditionalOnBooleanProperty(name = "ltp.server.sse", matchIfMissing = true)
        ServletRegistrationBean<HttpServlet> ltpSseServlet(JakartaTransport transport) {
            ServletRegistrationBean<HttpServlet> registration = new ServletRegistrationBean<>(transport.sseServlet(),
                    JakartaTransport.SSE_PATH);
            registration.setName("ltp-sse");
            registration.setAsyncSupported(true);
            return registration;
        }

        @Bean
        JakartaEndpointRegistrar ltpEndpointRegistrar(JakartaTransport transport, LtpServerLifecycle lifecycle) {
            return new JakartaEndpointRegistrar(transport, lifecycle);
        }
    }

    /** The Actuator health contributor {@code ltp} ({@code management.health.ltp.enabled=false} turns it off). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnEnabledHealthIndicator("ltp")
    static class HealthConfiguration {

        @Bean
        LtpHealthIndicator ltpHealthIndicator(LtpServer server) {
            return new LtpHealthIndicator(server);
        }
    }
}
