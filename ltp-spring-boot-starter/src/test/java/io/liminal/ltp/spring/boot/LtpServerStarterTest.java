package io.liminal.ltp.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.InMemoryThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;

/**
 * The starter as an application uses it: LtpHandler beans in a Spring Boot web application, a real client on
 * {@code ws://127.0.0.1:{port}/ltp} (the application's own port), and Actuator's health and metrics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,metrics",
        "management.endpoint.health.show-details=always",
        "ltp.server.limits.rate-limit-per-minute=0"})
@Timeout(60)
class LtpServerStarterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        /** Seen by the test: which handler saw which event, in order. */
        static final List<String> calls = new CopyOnWriteArrayList<>();

        @Bean
        @Order(1)
        LtpHandler echo() {
            return new LtpHandler() {
                @Override
                public void onEvent(SessionContext session, EventPayload event) {
                    calls.add("echo:" + event.data().getAsString());
                    session.reply(Envelope.builder("event")
                            .payload(new EventPayload("echo", event.data()).toJson())
                            .build());
                }
            };
        }

        @Bean
        @Order(2)
        LtpHandler audit() {
            return new LtpHandler() {
                @Override
                public void onEvent(SessionContext session, EventPayload event) {
                    calls.add("audit:" + event.data().getAsString());
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    LtpServer server;

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private LtpClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    private LtpClient connect() {
        return connect(LtpClient.DEFAULT_TRANSPORTS.toArray(Transport[]::new));
    }

    private LtpClient connect(Transport... transports) {
        client = LtpClient.builder(URI.create("ws://127.0.0.1:" + port + "/ltp"))
                .clientId("starter-test")
                .transports(transports)
                .threadIdStore(new InMemoryThreadIdStore())
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        received.add(event.eventType() + ":" + event.data().getAsString());
                    }
                })
                .build();
        client.connect().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        return client;
    }

    @Test
    void clientOnTheApplicationsPortExchangesMessagesWithEveryHandlerBean() throws Exception {
        LtpClient client = connect();

        client.sendEvent("note", new JsonPrimitive("hello"));

        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo:hello");
        assertThat(App.calls).containsSubsequence("echo:hello", "audit:hello");
        int delivered = server.pushTo(client.threadId(), Envelope.builder("event")
                .payload(new EventPayload("notice", new JsonPrimitive("pushed")).toJson())
                .build()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(delivered).isEqualTo(1);
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("notice:pushed");
        assertThat(server.port()).as("no port of its own").isZero();
    }

    @Test
    void theSseFallbackIsServedOnTheApplicationsPort() throws Exception {
        LtpClient client = connect(Transport.SSE);
        assertThat(client.transport()).isEqualTo(Transport.SSE);

        client.sendEvent("note", new JsonPrimitive("over sse"));

        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo:over sse");
    }

    @Test
    void actuatorShowsTheLtpHealthAndMeters() throws Exception {
        connect();

        JsonObject health = JsonParser.parseString(get("/actuator/health")).getAsJsonObject();
        JsonObject ltp = health.getAsJsonObject("components").getAsJsonObject("ltp");
        assertThat(ltp.get("status").getAsString()).isEqualTo("UP");
        assertThat(ltp.getAsJsonObject("details").get("connections").getAsInt()).isEqualTo(1);

        String meters = get("/actuator/metrics");
        assertThat(meters).contains("ltp_connections_total");
        JsonObject opened = JsonParser.parseString(get("/actuator/metrics/ltp_connections_total")).getAsJsonObject();
        assertThat(opened.getAsJsonArray("measurements").get(0).getAsJsonObject().get("value").getAsDouble())
                .isGreaterThanOrEqualTo(1);
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }
}
