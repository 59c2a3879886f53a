package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.MessageSecurity;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.TlsConfig;
import io.liminal.ltp.server.auth.Authenticator;
import io.liminal.ltp.server.internal.limits.TrustedProxies;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.transport.LtpTransport;
import io.liminal.ltp.server.transport.TransportLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Everything the builder collected, validated. {@code null} for the executors and scheduler means "the server
 * creates and owns its own".
 */
public record ServerSettings(
        String host,
        int port,
        int httpPort,
        LtpHandler handler,
        List<String> customTypePatterns,
        Duration heartbeatInterval,
        Duration handshakeTimeout,
        Duration threadTtl,
        Duration sweepInterval,
        Limits limits,
        long hardFrameLimitBytes,
        int maxConnections,
        int maxConnectionsPerClient,
        int maxConnectionsPerThread,
        long maxThreads,
        int rateLimitMessages,
        Duration rateLimitWindow,
        ThreadStore threadStore,
        Authenticator authenticator,
        MessageSecurity security,
        TlsConfig tls,
        String adminToken,
        List<String> capabilities,
        JsonObject ackMetadata,
        Clock clock,
        Scheduler maintenanceScheduler,
        Executor applicationExecutor,
        boolean handlerOnIoThreads,
        Executor blockingExecutor,
        MeterRegistry meterRegistry,
        LtpTransport transport,
        int maxHandlerBacklog,
        DeliveryRetention deliveryRetention,
        int deliveryBatch,
        PeerLimits peerLimits,
        TransportLimits transportLimits,
        TrustedProxies trustedProxies,
        ClusterSettings cluster,
        boolean examplePage) {

    /** Whether the delivery extension is offered (it also needs a store that implements DeliveryStore). */
    public boolean deliveryOffered() {
        return deliveryRetention != null && threadStore instanceof io.liminal.ltp.server.store.DeliveryStore;
    }
}
