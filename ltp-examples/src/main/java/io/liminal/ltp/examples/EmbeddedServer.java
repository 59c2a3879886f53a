package io.liminal.ltp.examples;

import com.google.gson.JsonPrimitive;
import com.sun.net.httpserver.HttpExchange;
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
            String thread = query.get("thread");
            String text = query.get("text");
            if (!"POST".equals(exchange.getRequestMethod()) || thread == null || thread.isEmpty() || text == null) {
                respond(exchange, 400, "{\"error\":\"use POST /notify?thread=<thread_id>&text=<text>\"}");
                return;
            }
            int reached = ltp.pushTo(thread, Examples.event("notification", new JsonPrimitive(text))).join();
            respond(exchange, 200, "{\"connections\":" + reached + "}");
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

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream response = exchange.getResponseBody()) {
            response.write(body);
        }
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
        if (args.length > 2) {
            throw new IllegalArgumentException("at most two ports, got " + args.length + " arguments");
        }
        EmbeddedServer app = new EmbeddedServer(port(args, 0, 8080), port(args, 1, 8081));
        System.out.println("LTP on ws://127.0.0.1:" + app.ltpPort() + "/, application API: curl -X POST "
                + "'http://127.0.0.1:" + app.httpPort() + "/notify?thread=<thread_id>&text=hello'");
        Runtime.getRuntime().addShutdownHook(new Thread(app::close));
        Thread.currentThread().join();
    }

    private static int port(String[] args, int index, int fallback) {
        if (args.length <= index) {
            return fallback;
        }
        int port = Integer.parseInt(args[index]);
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("a port is 0 to 65535, got " + port);
        }
        return port;
    }
}
