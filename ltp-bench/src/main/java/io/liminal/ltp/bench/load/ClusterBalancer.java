package io.liminal.ltp.bench.load;

import io.liminal.ltp.testing.TcpProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What stands for the load balancer in the failover: nginx when installed (deploy/nginx/ltp.conf with K as the
 * server and S as its backup, so that every session starts on K), else a TCP proxy that is pointed at S just
 * before K is killed (a balancer that saw K fail).
 */
interface ClusterBalancer extends AutoCloseable {
    static ClusterBalancer start(int killedPort, int survivorPort) throws IOException {
        Path conf = Path.of("deploy", "nginx", "ltp.conf");
        if (Files.exists(conf) && onPath("nginx")) {
            return NginxBalancer.start(conf, killedPort, survivorPort);
        }
        TcpProxy proxy = TcpProxy.start(killedPort);
        return new ClusterBalancer() {
            @Override
            public String name() {
                return "tcp-proxy";
            }

            @Override
            public int port() {
                return proxy.port();
            }

            @Override
            public void beforeKill() {
                proxy.retarget(survivorPort);
            }

            @Override
            public void close() {
                proxy.close();
            }
        };
    }

    String name();

    int port();

    /** Called just before K is killed. */
    default void beforeKill() {
    }

    @Override
    void close();

    private static boolean onPath(String command) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command));
    }

    /** nginx in the foreground with the project's configuration, ports and paths replaced. */
    final class NginxBalancer implements ClusterBalancer {
        private final Process process;
        private final int port;

        private NginxBalancer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static NginxBalancer start(Path template, int killedPort, int survivorPort) throws IOException {
            Path directory = Files.createTempDirectory("ltp-bench-nginx");
            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1,
                    java.net.InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            String conf = Files.readString(template)
                    .replace("server 127.0.0.1:8081 max_fails=1 fail_timeout=2s;",
                            "server 127.0.0.1:" + killedPort + " max_fails=1 fail_timeout=2s;")
                    .replace("server 127.0.0.1:8082 max_fails=1 fail_timeout=2s;",
                            "server 127.0.0.1:" + survivorPort + " backup;")
                    .replace("server 127.0.0.1:8083 max_fails=1 fail_timeout=2s;", "")
                    .replace("listen 127.0.0.1:8080;", "listen 127.0.0.1:" + port + ";")
                    .replace("pid /tmp/ltp-nginx.pid;", "pid " + directory.resolve("nginx.pid") + ";")
                    .replace("error_log /tmp/ltp-nginx-error.log warn;",
                            "error_log " + directory.resolve("error.log") + " warn;");
            Path file = directory.resolve("nginx.conf");
            Files.writeString(file, conf);
            Process process = new ProcessBuilder(Files.isExecutable(Path.of("/usr/sbin/nginx"))
                    ? "/usr/sbin/nginx" : "nginx", "-e", directory.resolve("error.log").toString(), "-c",
                    file.toString(), "-g", "daemon off;").redirectErrorStream(true)
                    .redirectOutput(directory.resolve("nginx.out").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                    return new NginxBalancer(process, port);
                } catch (IOException notYet) {
                    Thread.onSpinWait();
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("nginx did not start: " + Files.readString(directory.resolve("error.log")));
        }

        @Override
        public String name() {
            return "nginx";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
