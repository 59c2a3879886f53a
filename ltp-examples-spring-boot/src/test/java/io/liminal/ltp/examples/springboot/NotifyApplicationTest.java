package io.liminal.ltp.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.InMemoryThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The example as its docs use it: a client on /ltp, a backend calling POST /notify/{threadId}, the health page. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(60)
class NotifyApplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private LtpClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void notifyReachesTheThreadAndEventsAreAcknowledged() throws Exception {
        client = LtpClient.builder(URI.create("ws://127.0.0.1:" + port + "/ltp"))
                .clientId("example-test")
                .threadIdStore(new InMemoryThreadIdStore())
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        received.add(event.eventType() + " " + event.data());
                    }
                })
                .build();
        client.connect().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();

        HttpResponse<String> notified = post("/notify/" + client.threadId(), "{\"order\":42}");
        assertThat(notified.statusCode()).isEqualTo(200);
        assertThat(JsonParser.parseString(notified.body()).getAsJsonObject().get("delivered").getAsInt()).isEqualTo(1);
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("notify {\"order\":42}");

        client.sendEvent("note", new JsonPrimitive("hi"));
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("ack \"hi\"");

        assertThat(JsonParser.parseString(post("/notify/nobody-here", "plain text").body()).getAsJsonObject()
                .get("delivered").getAsInt()).isZero();
        JsonObject health = JsonParser.parseString(http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
        assertThat(health.getAsJsonObject("components").getAsJsonObject("ltp").get("status").getAsString())
                .isEqualTo("UP");
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
