package io.liminal.ltp.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.client.DisconnectInfo;
import io.liminal.ltp.client.InMemoryThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/** Starting and stopping with the application, on either transport. */
@Timeout(60)
class LtpServerLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        /** Completes with the HTTP status of the application's health page, asked while a session closes. */
        static volatile CompletableFuture<Integer> healthWhileClosing = new CompletableFuture<>();
        static volatile int port;

        @Bean
        LtpHandler handler() {
            return new LtpHandler() {
                @Override
                public void onSessionClosed(SessionContext session, int code, String reason) {
                    try {
                        healthWhileClosing.complete(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/actuator/health")).timeout(WAIT).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode());
                    } catch (Exception e) {
                        healthWhileClosing.completeExceptionally(e);
                    }
                }
            };
        }
    }

    private static ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(App.class).properties("server.port=0", "server.shutdown=graceful")
                .properties(properties).run();
    }

    private static LtpClient connect(String url, CompletableFuture<DisconnectInfo> disconnected) {
        LtpClient client = LtpClient.builder(URI.create(url))
                .clientId("lifecycle-test")
                .threadIdStore(new InMemoryThreadIdStore())
                .listener(new LtpClientListener() {
                    @Override
                    public void onDisconnected(DisconnectInfo info) {
                        disconnected.complete(info);
                    }
                })
                .build();
        client.connect().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        return client;
    }

    @Test
    void shutdownDrainsClientsWhileTheApplicationStillServes() throws Exception {
        App.healthWhileClosing = new CompletableFuture<>();
        ConfigurableApplicationContext context = start("ltp.server.drain-timeout=5s");
        App.port = ((WebServerApplicationContext) context).getWebServer().getPort();
        CompletableFuture<DisconnectInfo> disconnected = new CompletableFuture<>();
        try (LtpClient client = connect("ws://127.0.0.1:" + App.port + "/ltp", disconnected)) {
            LtpServer server = context.getBean(LtpServer.class);
            assertThat(server.connectionCount()).isEqualTo(1);

            context.close();

            DisconnectInfo info = disconnected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(info.code()).as("the LTP drain's going away").isEqualTo(1001);
            assertThat(info.reason()).isEqualTo("going away");
            assertThat(App.healthWhileClosing.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .as("the application answered HTTP while LTP drained (the drain comes first)").isIn(200, 503);
            assertThat(server.isReady()).isFalse();
        }
    }

    @Test
    void nettyTransportRunsOnAPortOfItsOwn() throws Exception {
        try (ConfigurableApplicationContext context = start("ltp.server.transport=netty", "ltp.server.port=0",
                "ltp.server.host=127.0.0.1")) {
            LtpServer server = context.getBean(LtpServer.class);
            int applicationPort = ((WebServerApplicationContext) context).getWebServer().getPort();
            assertThat(server.port()).isPositive().isNotEqualTo(applicationPort);

            try (LtpClient client = connect("ws://127.0.0.1:" + server.port() + "/", new CompletableFuture<>())) {
                assertThat(client.threadId()).isNotBlank();
                assertThat(server.connectionCount()).isEqualTo(1);
            }
        }
    }
}
