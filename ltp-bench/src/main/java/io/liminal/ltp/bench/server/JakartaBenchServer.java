package io.liminal.ltp.bench.server;

import io.liminal.ltp.jakarta.JakartaTransport;
import io.liminal.ltp.server.LtpServer;
import jakarta.websocket.server.ServerContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * ltp-server as {@link BenchServer} configures it, on the Jakarta WebSocket transport inside embedded Tomcat (NIO
 * connector, defaults) instead of Netty: what running LTP inside a servlet container costs.
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.server.JakartaBenchServer 8080 [heartbeat-ms]</pre>
 */
public final class JakartaBenchServer {
    private JakartaBenchServer() {
    }

    /** Entry point; prints the port, runs until killed. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        long heartbeatMs = args.length > 1 ? Long.parseLong(args[1]) : 15_000;
        JakartaTransport transport = JakartaTransport.create("/");
        LtpServer server = BenchServer.builder(0).transport(transport)
                .heartbeatInterval(Duration.ofMillis(heartbeatMs)).build().start();

        Path base = Files.createTempDirectory("ltp-bench-tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxConnections", "50000");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", base.toString());
        context.addServletContainerInitializer(new WsSci(), null);
        Tomcat.addServlet(context, "default", new DefaultServlet()); // filters (the upgrade) run for mapped paths
        context.addServletMappingDecoded("/", "default");
        tomcat.start();
        ((ServerContainer) context.getServletContext().getAttribute(ServerContainer.class.getName()))
                .addEndpoint(transport.endpointConfig());
        System.out.println("jakarta server listening on ws://127.0.0.1:" + connector.getLocalPort() + "/");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown(Duration.ofSeconds(2));
            try {
                tomcat.stop();
            } catch (Exception e) {
                // exiting anyway
            }
        }));
        Thread.currentThread().join();
    }
}
