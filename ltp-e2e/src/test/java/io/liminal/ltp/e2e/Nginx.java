package io.liminal.ltp.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real nginx in the foreground with a configuration file of the test's, listening on 127.0.0.1. */
public final class Nginx implements AutoCloseable {
    private final Process process;
    private final Path errorLog;

    private Nginx(Process process, Path errorLog) {
        this.process = process;
        this.errorLog = errorLog;
    }

    /**
     * Writes {@code conf} (a complete nginx.conf whose {@code pid} and {@code error_log} the caller points into
     * {@code directory}) and starts nginx with it; returns once it listens on {@code listenPort}.
     */
    public static Nginx start(Path directory, String conf, int listenPort) {
        try {
            Path errorLog = directory.resolve("nginx-error.log");
            Path file = directory.resolve("nginx.conf");
            Files.writeString(file, conf, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder("nginx", "-e", errorLog.toString(), "-c", file.toString(),
                    "-g", "daemon off;")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("nginx.out").toFile()))
                    .start();
            Nginx nginx = new Nginx(process, errorLog);
            nginx.awaitListening(listenPort);
            return nginx;
        } catch (IOException e) {
            throw new UncheckedIOException("nginx could not start (.ci/run installs it: apt-get install -y nginx)", e);
        }
    }

    private void awaitListening(int port) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("nginx exited: " + (Files.exists(errorLog) ? Files.readString(errorLog) : ""));
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("nginx did not listen on " + port);
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: nginx stops at once
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
