package io.liminal.ltp.jakarta;

import io.liminal.ltp.testing.SelfSignedCertificate;
import java.nio.file.Path;

/** An embedded servlet container with one Jakarta WebSocket endpoint, on a free port of 127.0.0.1. */
interface ServletContainer extends AutoCloseable {

    /** The port the container listens on. */
    int port();

    @Override
    void close() throws Exception;

    /**
     * Starts a container of {@code kind} ({@code tomcat} or {@code jetty}) with the transport's endpoint and its
     * sse-v1 servlet (when it offers the binding) registered as JakartaTransport's Javadoc shows.
     */
    static ServletContainer start(String kind, JakartaTransport transport, Path directory) throws Exception {
        return start(kind, transport, directory, null);
    }

    /** Registers the transport's sse-v1 servlet if it offers the binding, as JakartaTransport's Javadoc shows. */
    static void registerSse(JakartaTransport transport, jakarta.servlet.ServletContext servletContext) {
        if (!transport.capabilities().isEmpty()) {
            transport.registerSseServlet(servletContext);
        }
    }

    /** The same, serving TLS only with the key in {@code tls} when it is not null. */
    static ServletContainer start(String kind, JakartaTransport transport, Path directory,
            SelfSignedCertificate tls) throws Exception {
        return switch (kind) {
            case "tomcat" -> TomcatContainer.start(transport, directory, tls);
            case "jetty" -> JettyContainer.start(transport, tls);
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
