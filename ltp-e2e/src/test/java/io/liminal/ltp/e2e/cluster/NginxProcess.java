package io.liminal.ltp.e2e.cluster;

import io.liminal.ltp.e2e.Nginx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx as the cluster's load balancer, configured by {@code deploy/nginx/ltp.conf} itself: the test replaces only
 * the three upstream servers, the listen port and the pid/log paths, as the file's header says.
 */
final class NginxProcess implements AutoCloseable {
    private final Nginx nginx;

    private NginxProcess(Nginx nginx) {
        this.nginx = nginx;
    }

    /** Renders the configuration for {@code listenPort} and three {@code nodePorts}; starts nginx in the foreground. */
    static NginxProcess start(Path directory, int listenPort, List<Integer> nodePorts) {
        try {
            String conf = Files.readString(Path.of(System.getProperty("deploy.dir"), "nginx", "ltp.conf"));
            for (int i = 0; i < 3; i++) {
                conf = replaceAll(conf, "server 127.0.0.1:808" + (i + 1) + " ",
                        "server 127.0.0.1:" + nodePorts.get(i) + " ");
            }
            conf = replaceAll(conf, "listen 127.0.0.1:8080;", "listen 127.0.0.1:" + listenPort + ";");
            conf = replaceAll(conf, "pid /tmp/ltp-nginx.pid;", "pid " + directory.resolve("nginx.pid") + ";");
            conf = replaceAll(conf, "error_log /tmp/ltp-nginx-error.log warn;",
                    "error_log " + directory.resolve("nginx-error.log") + " warn;");
            return new NginxProcess(Nginx.start(directory, conf, listenPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String replaceAll(String text, String what, String with) {
        if (!text.contains(what)) {
            throw new AssertionError("deploy/nginx/ltp.conf no longer contains '" + what + "'");
        }
        return text.replace(what, with);
    }

    @Override
    public void close() {
        nginx.close();
    }
}
