package io.liminal.ltp.jakarta;

import io.liminal.ltp.testing.SelfSignedCertificate;
import jakarta.websocket.server.ServerEndpointConfig;
import java.nio.file.Path;

/** An embedded servlet container with one Jakarta WebSocket endpoint, on a free port of 127.0.0.1. */
interface ServletContainer extends AutoCloseable {

    /** The port the container listens on. */
    int port();

    @Override
    void close() throws Exception;

    /** Starts a container of {@code kind} ({@code tomcat} or {@code jetty}) with {@code endpoint} registered. */
    static ServletContainer start(String kind, ServerEndpointConfig endpoint, Path directory) throws Exception {
        return start(kind, endpoint, directory, null);
    }

    /** The same, serving TLS only with the key in {@code tls} when it is not null. */
    static ServletContainer start(String kind, ServerEndpointConfig endpoint, Path directory,
            SelfSignedCertificate tls) throws Exception {
        return switch (kind) {
            case "tomcat" -> TomcatContainer.start(endpoint, directory, tls);
            case "jetty" -> JettyContainer.start(endpoint, tls);
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
