package io.liminal.ltp.e2e.cluster;

import io.liminal.ltp.e2e.ServerProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One node of the cluster as operators run it: {@code java -jar ltp-server-<v>-standalone.jar} configured by
 * environment variables, on fixed ports so that it can be killed and started again where nginx expects it.
 */
final class StandaloneNode implements AutoCloseable {
    private final String id;
    private final int port;
    private final int httpPort;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    StandaloneNode(String id, int port, int httpPort, Map<String, String> env, Path directory) {
        this.id = id;
        this.port = port;
        this.httpPort = httpPort;
        this.env = new HashMap<>(env);
        this.env.putAll(Map.of("LTP_HOST", "127.0.0.1", "PORT", String.valueOf(port),
                "LTP_HTTP_PORT", String.valueOf(httpPort), "LTP_NODE_ID", id));
        this.log = directory.resolve("node-" + id + ".log");
    }

    String id() {
        return id;
    }

    int port() {
        return port;
    }

    int httpPort() {
        return httpPort;
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Starts the jar and waits until it listens and /ready answers 200. */
    void start() {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", System.getProperty("standalone.jar"));
        builder.environment().putAll(env);
        try {
            process = ServerProcesses.start(builder, log, "LTP server listening");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
    }

    private void awaitReady() {
        try {
            boolean ready = ClusterFixture.eventually(() -> {
                try {
                    return get("/ready").statusCode() == 200;
                } catch (UncheckedIOException notYet) {
                    return false;
                }
            });
            if (!ready) {
                throw new AssertionError("Node " + id + " never became ready: " + get("/ready").body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGKILL: no drain, no goodbye; the process is gone when this returns. */
    void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** SIGTERM: the node drains (close 1001 to every client) and exits; waits until it has. */
    void drain() {
        process.destroy();
        awaitExit();
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("Node " + id + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Lines the node logged at ERROR. */
    List<String> errors() throws IOException {
        return Files.readAllLines(log).stream().filter(line -> line.contains(" ERROR ")).toList();
    }

    @Override
    public void close() {
        if (alive()) {
            process.destroyForcibly();
            awaitExit();
        }
    }
}
