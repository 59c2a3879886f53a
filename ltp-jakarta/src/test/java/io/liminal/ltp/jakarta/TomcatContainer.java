package io.liminal.ltp.jakarta;

import io.liminal.ltp.testing.SelfSignedCertificate;
import jakarta.websocket.server.ServerContainer;
import java.nio.file.Path;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.websocket.server.WsSci;

/** Embedded Tomcat with its WebSocket support, as Spring Boot starts it. */
final class TomcatContainer implements ServletContainer {
    private final Tomcat tomcat;
    private final Connector connector;

    private TomcatContainer(Tomcat tomcat, Connector connector) {
        this.tomcat = tomcat;
        this.connector = connector;
    }

    static TomcatContainer start(JakartaTransport transport, Path directory, SelfSignedCertificate tls)
            throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(directory.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (tls != null) {
            connector.setScheme("https");
            connector.setSecure(true);
            connector.setProperty("SSLEnabled", "true");
            SSLHostConfig ssl = new SSLHostConfig();
            SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.RSA);
            certificate.setCertificateKeystoreFile(tls.pkcs12.toString());
            certificate.setCertificateKeystorePassword(new String(tls.password));
            certificate.setCertificateKeystoreType("PKCS12");
            ssl.addCertificate(certificate);
            connector.addSslHostConfig(ssl);
        }
        tomcat.setConnector(connector);
        StandardContext context = (StandardContext) tomcat.addContext("", directory.toString());
        // Leak detection that needs --add-opens only prints warnings here; nothing is redeployed.
        context.setClearReferencesThreadLocals(false);
        context.setClearReferencesRmiTargets(false);
        context.addServletContainerInitializer(new WsSci(), null);
        context.addServletContainerInitializer((classes, servletContext) -> ServletContainer.registerSse(transport, servletContext),
                null);
        // Tomcat runs filters (WsFilter does the upgrade) only for mapped requests, as behind Spring's dispatcher.
        Tomcat.addServlet(context, "default", new DefaultServlet());
        context.addServletMappingDecoded("/", "default");
        tomcat.start();
        ServerContainer container = (ServerContainer) context.getServletContext()
                .getAttribute(ServerContainer.class.getName());
        container.addEndpoint(transport.endpointConfig());
        return new TomcatContainer(tomcat, connector);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }
}
