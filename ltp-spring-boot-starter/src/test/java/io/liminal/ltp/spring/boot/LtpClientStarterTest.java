package io.liminal.ltp.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/** A client application: the LtpClient bean from {@code ltp.client.*}, its listener beans, its id store file. */
@Timeout(60)
class LtpClientStarterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ClientApp {
        static final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Bean
        LtpClientListener recorder() {
            return new LtpClientListener() {
                @Override
                public void onConnected(String threadId, String sessionId, boolean resumed) {
                    events.add((resumed ? "resumed " : "new ") + threadId);
                }

                @Override
                public void onEvent(EventPayload event, Envelope envelope) {
                    events.add(event.eventType() + ":" + event.data().getAsString());
                }
            };
        }
    }

    private final LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).handler(new LtpHandler() { })
            .build().start();

    @TempDir
    Path directory;

    @AfterEach
    void stop() {
        server.close();
    }

    private ConfigurableApplicationContext startClientApp() {
        return new SpringApplicationBuilder(ClientApp.class).web(WebApplicationType.NONE).properties(
                "ltp.client.url=ws://127.0.0.1:" + server.port() + "/",
                "ltp.client.client-id=spring-client",
                "ltp.client.id-store-file=" + directory.resolve("ltp-ids.json"),
                "ltp.client.retry.base=50ms",
                "ltp.client.offline-buffer.max-messages=100").run();
    }

    @Test
    void clientBeanConnectsOnStartupAndResumesItsThreadAfterARestart() throws Exception {
        String threadId;
        try (ConfigurableApplicationContext context = startClientApp()) {
            String connected = ClientApp.events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(connected).startsWith("new ");
            threadId = connected.substring(4);
            LtpClient client = context.getBean(LtpClient.class);
            assertThat(client.threadId()).isEqualTo(threadId);

            server.pushTo(threadId, Envelope.builder("event")
                    .payload(new EventPayload("notice", new JsonPrimitive("hi")).toJson()).build());
            assertThat(ClientApp.events.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("notice:hi");
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.connectionCount()).as("closed with the application").isZero();

        try (ConfigurableApplicationContext context = startClientApp()) {
            assertThat(ClientApp.events.poll(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .as("the thread kept in ltp.client.id-store-file").isEqualTo("resumed " + threadId);
        }
    }
}
