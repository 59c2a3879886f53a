package io.liminal.ltp.examples.springboot;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot application with LTP on its own port: clients connect to {@code ws://localhost:8080/ltp}, a
 * backend notifies a thread with {@code POST /notify/{threadId}} (the body, JSON or text, becomes the event's
 * data), and {@code /actuator/health} shows the {@code ltp} component. The LTP server comes from
 * ltp-spring-boot-starter; this class only provides a handler and the REST endpoint.
 *
 * <pre>bin/ltp-example spring-boot [port]</pre>
 */
@SpringBootApplication
public class NotifyApplication {

    /** Entry point: {@code [port]} (default 8080). */
    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(NotifyApplication.class);
        if (args.length > 0) {
            application.setDefaultProperties(Map.of("server.port", port(args[0])));
        }
        application.run();
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage
        }
        System.err.println("Usage: bin/ltp-example spring-boot [port]   (port: 0-65535, default 8080; got " + text + ")");
        System.exit(2);
        return -1;
    }

    // tag::handler[]
    /** Answers every client event with an {@code ack} event carrying the same data. */
    @Bean
    LtpHandler acknowledge() {
        return new LtpHandler() {
            @Override
            public void onEvent(SessionContext session, EventPayload event) {
                session.reply(event("ack", event.data()));
            }
        };
    }
    // end::handler[]

    static Envelope event(String type, JsonElement data) {
        return Envelope.builder("event").payload(new EventPayload(type, data).toJson()).build();
    }

    /** {@code POST /notify/{threadId}}: pushes the body to every connection of the thread. */
    @RestController
    static class NotifyController {
        private static final int MAX_THREAD_ID = 256;

        private final LtpServer server;

        NotifyController(LtpServer server) {
            this.server = server;
        }

        // tag::notify[]
        @PostMapping("/notify/{threadId}")
        CompletableFuture<ResponseEntity<Map<String, Object>>> notify(@PathVariable String threadId,
                @RequestBody(required = false) String body) {
            if (threadId.length() > MAX_THREAD_ID) {
                return CompletableFuture.completedFuture(ResponseEntity.badRequest()
                        .body(Map.of("error", "thread id longer than " + MAX_THREAD_ID + " characters")));
            }
            return server.pushTo(threadId, event("notify", data(body)))
                    .thenApply(delivered -> ResponseEntity.ok(Map.of("thread_id", threadId, "delivered", delivered)));
        }
        // end::notify[]

        /** JSON bodies are sent as JSON, anything else as a string. */
        private static JsonElement data(String body) {
            if (body == null || body.isBlank()) {
                return new JsonPrimitive("");
            }
            try {
                return JsonParser.parseString(body);
            } catch (JsonParseException e) {
                return new JsonPrimitive(body);
            }
        }
    }
}
