package io.liminal.ltp.spring.boot;

import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.OverflowPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code ltp.client.*}: an {@link LtpClient} bean for applications that connect to an LTP server. The bean exists
 * when {@code ltp.client.url} is set; it connects when the application starts and closes when it stops. Anything
 * not here is set with an {@link LtpClientBuilderCustomizer} bean.
 */
@ConfigurationProperties("ltp.client")
public class LtpClientProperties {

    /** The server's WebSocket URL, such as {@code wss://ltp.example.com/ltp}. */
    private URI url;

    /** This client's id (default: generated, and kept in the id store file when there is one). */
    private String clientId;

    /** File that keeps the thread and session ids across restarts, so the thread is resumed (default: memory). */
    private Path idStoreFile;

    /** Bearer token sent in the handshake's Authorization header. */
    private String authToken;

    /** Whether to connect when the application starts. */
    private boolean connectOnStartup = true;

    private final OfflineBuffer offlineBuffer = new OfflineBuffer();

    private final Retry retry = new Retry();

    /** What the client holds while it is offline, sent when it is connected again. */
    public static class OfflineBuffer {
        /** Messages held at most. */
        private int maxMessages = 10_000;

        /** Bytes held at most. */
        private DataSize maxSize = DataSize.ofMegabytes(16);

        /** What a send does when the buffer is full. */
        private OverflowPolicy overflowPolicy = OverflowPolicy.FAIL;

        public int getMaxMessages() {
            return maxMessages;
        }

        public void setMaxMessages(int maxMessages) {
            this.maxMessages = maxMessages;
        }

        public DataSize getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }

        public OverflowPolicy getOverflowPolicy() {
            return overflowPolicy;
        }

        public void setOverflowPolicy(OverflowPolicy overflowPolicy) {
            this.overflowPolicy = overflowPolicy;
        }
    }

    /** Reconnecting: {@code min(base × 2^n, max)} plus up to {@code jitter} of it between attempts. */
    public static class Retry {
        /** Attempts per outage before the client gives up (0: never gives up). */
        private int maxAttempts = 0;

        /** The first delay. */
        private Duration base = LtpClient.DEFAULT_BACKOFF_BASE;

        /** The longest delay. */
        private Duration max = LtpClient.DEFAULT_BACKOFF_MAX;

        /** Extra random share of each delay, 0 to 1. */
        private double jitter = 0.1;

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getBase() {
            return base;
        }

        public void setBase(Duration base) {
            this.base = base;
        }

        public Duration getMax() {
            return max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }

        public double getJitter() {
            return jitter;
        }

        public void setJitter(double jitter) {
            this.jitter = jitter;
        }
    }

    public URI getUrl() {
        return url;
    }

    public void setUrl(URI url) {
        this.url = url;
    }

    public String getClientId() {
        return clientId;
    }

    public void setClientId(String clientId) {
        this.clientId = clientId;
    }

    public Path getIdStoreFile() {
        return idStoreFile;
    }

    public void setIdStoreFile(Path idStoreFile) {
        this.idStoreFile = idStoreFile;
    }

    public String getAuthToken() {
        return authToken;
    }

    public void setAuthToken(String authToken) {
        this.authToken = authToken;
    }

    public boolean isConnectOnStartup() {
        return connectOnStartup;
    }

    public void setConnectOnStartup(boolean connectOnStartup) {
        this.connectOnStartup = connectOnStartup;
    }

    public OfflineBuffer getOfflineBuffer() {
        return offlineBuffer;
    }

    public Retry getRetry() {
        return retry;
    }
}
