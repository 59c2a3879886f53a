package io.liminal.ltp.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nginx as the cluster's load balancer, configured by {@code deploy/nginx/ltp.conf} itself: the test replaces only
 * the three upstream servers, the listen port and the pid/log paths, as the file's header says.
 */
final class NginxProcess implements AutoCloseable {
    private final Process process;
    private final Path errorLog;

    private NginxProcess(Process process, Path errorLog) {
        this.process = process;
        this.errorLog = errorLog;
    }

    /** Renders the configuration for {@code listenPort} and three {@code nodePorts}; starts nginx in the foreground. */
    static NginxProcess start(Path directory, int listenPort, List<Integer> nodePorts) {
        try {
            String conf = Files.readString(Path.of(System.getProperty("deploy.dir"), "nginx", "ltp.conf"));
            for (int i = 0; i < 3; i++) {
                conf = replaceOnce(conf, "server 127.0.0.1:808" + (i + 1) + " ",
                        "server 127.0.0.1:" + nodePorts.get(i) + " ");
            }
            Path errorLog = directory.resolve("nginx-error.log");
            conf = replaceOnce(conf, "listen 127.0.0.1:8080;", "listen 127.0.0.1:" + listenPort + ";");
            conf = replaceOnce(conf, "pid /tmp/ltp-nginx.pid;", "pid " + directory.resolve("nginx.pid") + ";");
            conf = replaceOnce(conf, "error_log /tmp/ltp-nginx-error.log warn;", "error_log " + errorLog + " warn;");
            Path file = directory.resolve("nginx.conf");
            Files.writeString(file, conf, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder("nginx", "-e", errorLog.toString(), "-c", file.toString(),
                    "-g", "daemon off;")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("nginx.out").toFile()))
                    .start();
            NginxProcess nginx = new NginxProcess(process, errorLog);
            nginx.awaitListening(listenPort);
            return nginx;
        } catch (IOException e) {
            throw new UncheckedIOException("nginx could not start (.ci/run installs it: apt-get install -y nginx)", e);
        }
    }

    private static String replaceOnce(String text, String what, String with) {
        if (!text.contains(what)) {
            throw new AssertionError("deploy/nginx/ltp.conf no longer contains '" + what + "'");
        }
        return text.replace(what, with);
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
