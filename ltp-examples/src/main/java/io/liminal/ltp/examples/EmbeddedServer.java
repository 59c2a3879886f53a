package io.liminal.ltp.examples;

import com.google.gson.JsonPrimitive;
import com.sun.net.httpserver.HttpServer;
import io.liminal.ltp.server.LtpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * ltp-server inside an existing application: the application keeps its own HTTP API, executor and metrics
 * registry, and hands them to the LTP server. Its HTTP endpoint {@code POST /notify?thread=<id>&text=<text>}
 * pushes an event to every live connection of an LTP thread.
 *
 * <pre>bin/ltp-example embedded-server [ltp-port] [http-port]</pre>
 */
public final class EmbeddedServer implements AutoCloseable {
    private final ExecutorService appExecutor = Executors.newFixedThreadPool(4);
    private final MeterRegistry appMetrics = new SimpleMeterRegistry();
    private final LtpServer ltp;
    private final HttpServer http;

    /** Starts the application: its HTTP API on {@code httpPort}, LTP on {@code ltpPort} (0 = any free port). */
    public EmbeddedServer(int ltpPort, int httpPort) throws IOException {
        // tag::embedded-server[]
        ltp = LtpServer.builder()
                .host("127.0.0.1")
                .port(ltpPort)
                .applicationExecutor(appExecutor)   // handlers run on the application's threads
                .meterRegistry(appMetrics)          // ltp_* meters appear in the application's registry
                .heartbeatInterval(Duration.ofSeconds(15))
                .build()
                .start();

        http = HttpServer.create(new InetSocketAddress("127.0.0.1", httpPort), 0);
        http.createContext("/notify", exchange -> {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            int reached = ltp.pushTo(query.get("thread"),
                    Examples.event("notification", new JsonPrimitive(query.get("text")))).join();
            byte[] body = ("{\"connections\":" + reached + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream response = exchange.getResponseBody()) {
                response.write(body);
            }
        });
        http.setExecutor(appExecutor);
        http.start();
        // end::embedded-server[]
    }

    /** The LTP port. */
    public int ltpPort() {
        return ltp.port();
    }

    /** The application's HTTP port. */
    public int httpPort() {
        return http.getAddress().getPort();
    }

    /** The application's metrics registry (which the LTP server publishes to). */
    public MeterRegistry metrics() {
        return appMetrics;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    query.put(pair.substring(0, equals),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    @Override
    public void close() {
        http.stop(0);
        ltp.shutdown(Duration.ofSeconds(2));
        appExecutor.shutdown();
    }

    /** Entry point: {@code [ltp-port] [http-port]}, default 8080 and 8081. */
    public static void main(String[] args) throws Exception {
        EmbeddedServer app = new EmbeddedServer(args.length > 0 ? Integer.parseInt(args[0]) : 8080,
                args.length > 1 ? Integer.parseInt(args[1]) : 8081);
        System.out.println("LTP on ws://127.0.0.1:" + app.ltpPort() + "/, application API on http://127.0.0.1:"
                + app.httpPort() + "/notify?thread=<thread_id>&text=hello");
        Runtime.getRuntime().addShutdownHook(new Thread(app::close));
        Thread.currentThread().join();
    }
}
