package io.liminal.ltp.server.internal.standalone;

import io.liminal.ltp.server.LtpServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar ltp-server-<version>-standalone.jar [options]}: runs an LTP server until SIGTERM/SIGINT, then
 * drains it. Exit code 2 means the configuration was invalid.
 */
public final class StandaloneMain {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneMain.class);

    private StandaloneMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws InterruptedException {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(StandaloneConfig.usage());
            return;
        }
        LtpServer server;
        StandaloneConfig config;
        try {
            config = StandaloneConfig.parse(args, System.getenv());
            server = config.toBuilder().build();
        } catch (IllegalArgumentException e) {
            System.err.println("ltp-server: " + e.getMessage());
            System.exit(2);
            return;
        }
        server.start();
        LOG.info("Store: {}. Health: http://localhost:{}/health", config.storeDescription(),
                server.httpPort() > 0 ? server.httpPort() : server.port());
        System.out.println("LTP server listening on ws://localhost:" + server.port() + "/");
        CountDownLatch stopped = new CountDownLatch(1);
        Duration grace = config.shutdownGrace();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown(grace);
            stopped.countDown();
        }, "ltp-shutdown"));
        stopped.await();
    }
}
