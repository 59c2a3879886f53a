package io.liminal.ltp.jakarta;

import io.liminal.ltp.testing.SelfSignedCertificate;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Embedded Jetty 12 (EE 11) with Jakarta WebSocket. */
final class JettyContainer implements ServletContainer {
    private final Server server;
    private final ServerConnector connector;

    private JettyContainer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    static JettyContainer start(JakartaTransport transport, SelfSignedCertificate tls) throws Exception {
        Server server = new Server();
        ServerConnector connector;
        if (tls != null) {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(tls.pkcs12.toString());
            ssl.setKeyStorePassword(new String(tls.password));
            ssl.setKeyStoreType("PKCS12");
            connector = new ServerConnector(server, ssl);
        } else {
            connector = new ServerConnector(server);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        server.setHandler(context);
        JakartaWebSocketServletContainerInitializer.configure(context,
                (servletContext, container) -> {
                    container.addEndpoint(transport.endpointConfig());
                    ServletContainer.registerSse(transport, servletContext);
                });
        server.start();
        return new JettyContainer(server, connector);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
