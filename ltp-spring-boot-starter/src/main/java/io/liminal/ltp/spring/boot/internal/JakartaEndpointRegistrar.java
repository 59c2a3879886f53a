package io.liminal.ltp.spring.boot.internal;

import io.liminal.ltp.jakarta.JakartaTransport;
import jakarta.servlet.ServletContext;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.web.context.ServletContextAware;

/**
 * Registers the LTP endpoint with the servlet container's WebSocket container, and starts the server before the
 * web server opens its port so that no early client is refused. Registration waits until every singleton exists:
 * the container's {@code ServerContainer} is set up while the web server is created.
 */
public final class JakartaEndpointRegistrar implements ServletContextAware, SmartInitializingSingleton {
    private final JakartaTransport transport;
    private final LtpServerLifecycle lifecycle;
    private ServletContext servletContext;

    public JakartaEndpointRegistrar(JakartaTransport transport, LtpServerLifecycle lifecycle) {
        this.transport = transport;
        this.lifecycle = lifecycle;
    }

    @Override
    public void setServletContext(ServletContext servletContext) {
        this.servletContext = servletContext;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Object container = servletContext == null ? null
                : servletContext.getAttribute(ServerContainer.class.getName());
        if (!(container instanceof ServerContainer serverContainer)) {
            throw new IllegalStateException("ltp.server.transport=servlet needs the web server's Jakarta WebSocket "
                    + "container, and this application has none (Tomcat and Jetty provide it; add "
                    + "tomcat-embed-websocket or Jetty's jakarta websocket server), or set ltp.server.transport=netty "
                    + "to run LTP on a port of its own");
        }
        try {
            serverContainer.addEndpoint(transport.endpointConfig());
        } catch (DeploymentException e) {
            throw new IllegalStateException("Could not register the LTP endpoint at " + transport.path() + ": "
                    + e.getMessage(), e);
        }
        lifecycle.start();
    }
}
