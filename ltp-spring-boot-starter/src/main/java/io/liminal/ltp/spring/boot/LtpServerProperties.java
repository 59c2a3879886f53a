package io.liminal.ltp.spring.boot;

import io.liminal.ltp.server.LtpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code ltp.server.*}: the LTP server of a Spring Boot application. Everything not here is set with an
 * {@link LtpServerBuilderCustomizer} bean; a {@code ThreadStore}, {@code Authenticator} or {@code ClusterBus} bean
 * replaces the matching property.
 */
@ConfigurationProperties("ltp.server")
public class LtpServerProperties {

    /** Where the server runs. */
    public enum Transport {
        /** On the application's own port and path, through the servlet container's Jakarta WebSocket. */
        SERVLET,
        /** On a port of its own (Netty), with its own /health, /ready and /metrics. */
        NETTY
    }

    /** Whether to run an LTP server when the context has an LtpHandler bean. */
    private boolean enabled = true;

    /** Where the server runs: on the application's port ({@code servlet}) or on a separate Netty port. */
    private Transport transport = Transport.SERVLET;

    /** The WebSocket path on the application's port (servlet transport). */
    private String path = "/ltp";

    /**
     * Whether the server also offers the sse-v1 fallback (docs/extensions/sse-v1.md) for clients whose network
     * breaks WebSocket: at {@code /ltp/sse} of the application's port (an asynchronous servlet), or of the Netty port.
     */
    private boolean sse = true;

    /** The interface the Netty transport listens on. */
    private String host = "0.0.0.0";

    /** The Netty transport's port, beside the application's own (0 picks a free one). */
    private int port = 8081;

    /** Heartbeat interval announced in handshake_ack. */
    private Duration heartbeatInterval = LtpServer.DEFAULT_HEARTBEAT_INTERVAL;

    /** How long a new connection may take to complete its handshake. */
    private Duration handshakeTimeout = LtpServer.DEFAULT_HANDSHAKE_TIMEOUT;

    /** How long a thread stays resumable after its last activity. */
    private Duration threadTtl = LtpServer.DEFAULT_THREAD_TTL;

    /** How long a shutdown waits for clients to leave after the drain told them to (close 1001). */
    private Duration drainTimeout = Duration.ofSeconds(10);

    /**
     * The LtpHandler beans never block: their calls run on the I/O threads (LtpServer.Builder#nonBlockingHandler),
     * saving two thread hand-offs per message. Needs a store that does not block (memory).
     */
    private boolean nonBlockingHandler;

    /**
     * Thread store: {@code memory}, {@code sqlite:PATH}, {@code jdbc:URL} (ltp-jdbc) or {@code redis://HOST:PORT}
     * (ltp-redis). A ThreadStore bean takes precedence.
     */
    private String store = "memory";

    /**
     * Cluster bus to join, such as {@code redis://HOST:PORT} or {@code redis-cluster://HOST:PORT,HOST:PORT}
     * (ltp-redis); none by default. A ClusterBus bean takes precedence.
     */
    private String cluster;

    /** This node's id in the cluster (default: host name and a random suffix). */
    private String nodeId;

    /** Browser origins allowed to connect (none listed: any origin). */
    private List<String> allowedOrigins = new ArrayList<>();

    /** Proxies (CIDRs) whose X-Forwarded-For is believed. */
    private List<String> trustedProxies = new ArrayList<>();

    private final Limits limits = new Limits();

    private final Auth auth = new Auth();

    /** Limits a peer meets; unset ones keep the server's defaults. */
    public static class Limits {
        /** Open connections. */
        private Integer maxConnections;

        /** Open connections per client identity (0: no limit). */
        private Integer maxConnectionsPerClient;

        /** Open connections per thread (0: no limit). */
        private Integer maxConnectionsPerThread;

        /** Threads stored (0: no limit). */
        private Long maxThreads;

        /** Largest message accepted. */
        private DataSize maxMessageSize;

        /** Messages per client identity per minute (0: off). */
        private Integer rateLimitPerMinute;

        public Integer getMaxConnections() {
            return maxConnections;
        }

        public void setMaxConnections(Integer maxConnections) {
            this.maxConnections = maxConnections;
        }

        public Integer getMaxConnectionsPerClient() {
            return maxConnectionsPerClient;
        }

        public void setMaxConnectionsPerClient(Integer maxConnectionsPerClient) {
            this.maxConnectionsPerClient = maxConnectionsPerClient;
        }

        public Integer getMaxConnectionsPerThread() {
            return maxConnectionsPerThread;
        }

        public void setMaxConnectionsPerThread(Integer maxConnectionsPerThread) {
            this.maxConnectionsPerThread = maxConnectionsPerThread;
        }

        public Long getMaxThreads() {
            return maxThreads;
        }

        public void setMaxThreads(Long maxThreads) {
            this.maxThreads = maxThreads;
        }

        public DataSize getMaxMessageSize() {
            return maxMessageSize;
        }

        public void setMaxMessageSize(DataSize maxMessageSize) {
            this.maxMessageSize = maxMessageSize;
        }

        public Integer getRateLimitPerMinute() {
            return rateLimitPerMinute;
        }

        public void setRateLimitPerMinute(Integer rateLimitPerMinute) {
            this.rateLimitPerMinute = rateLimitPerMinute;
        }
    }

    /** Handshake authentication with JWTs (an Authenticator bean takes precedence). */
    public static class Auth {
        /** HS256 secret, at least 32 bytes; prefix {@code base64:} for a Base64 one. */
        private String jwtSecret;

        /** RS256 public key: a PEM file. */
        private String jwtPublicKey;

        /** Required {@code iss} claim. */
        private String issuer;

        /** Required {@code aud} claim. */
        private String audience;

        public String getJwtSecret() {
            return jwtSecret;
        }

        public void setJwtSecret(String jwtSecret) {
            this.jwtSecret = jwtSecret;
        }

        public String getJwtPublicKey() {
            return jwtPublicKey;
        }

        public void setJwtPublicKey(String jwtPublicKey) {
            this.jwtPublicKey = jwtPublicKey;
        }

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        /** Never prints the secret. */
        @Override
        public String toString() {
            return "Auth[jwtSecret=" + (jwtSecret == null ? "none" : "(hidden)") + ", jwtPublicKey=" + jwtPublicKey
                    + ", issuer=" + issuer + ", audience=" + audience + "]";
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Transport getTransport() {
        return transport;
    }

    public void setTransport(Transport transport) {
        this.transport = transport;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public boolean isSse() {
        return sse;
    }

    public void setSse(boolean sse) {
        this.sse = sse;
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public Duration getHeartbeatInterval() {
        return heartbeatInterval;
    }

    public void setHeartbeatInterval(Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
    }

    public Duration getHandshakeTimeout() {
        return handshakeTimeout;
    }

    public void setHandshakeTimeout(Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
    }

    public Duration getThreadTtl() {
        return threadTtl;
    }

    public void setThreadTtl(Duration threadTtl) {
        this.threadTtl = threadTtl;
    }

    public Duration getDrainTimeout() {
        return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
    }

    public boolean isNonBlockingHandler() {
        return nonBlockingHandler;
    }

    public void setNonBlockingHandler(boolean nonBlockingHandler) {
        this.nonBlockingHandler = nonBlockingHandler;
    }

    public String getStore() {
        return store;
    }

    public void setStore(String store) {
        this.store = store;
    }

    public String getCluster() {
        return cluster;
    }

    public void setCluster(String cluster) {
        this.cluster = cluster;
    }

    public String getNodeId() {
        return nodeId;
    }

    public void setNodeId(String nodeId) {
        this.nodeId = nodeId;
    }

    public List<String> getAllowedOrigins() {
        return allowedOrigins;
    }

    public void setAllowedOrigins(List<String> allowedOrigins) {
        this.allowedOrigins = allowedOrigins;
    }

    public List<String> getTrustedProxies() {
        return trustedProxies;
    }

    public void setTrustedProxies(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    public Limits getLimits() {
        return limits;
    }

    public Auth getAuth() {
        return auth;
    }
}
