package io.liminal.ltp.examples;

import com.google.gson.JsonObject;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import java.io.PrintStream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Connects, sends a state_update and an event, waits for the server's answer to the event, and disconnects.
 * The client also pings at the heartbeat interval the server announced, by itself.
 *
 * <pre>bin/ltp-example minimal-client [ws://localhost:8080/]</pre>
 */
public final class MinimalClient {
    private MinimalClient() {
    }

    /** Runs against {@code url}; returns the event the server sent back, or {@code null} after 5 s. */
    public static EventPayload run(URI url, PrintStream out) throws Exception {
        CompletableFuture<EventPayload> answer = new CompletableFuture<>();
        // tag::minimal-client[]
        try (LtpClient client = LtpClient.builder(url)
                .listener(new LtpClientListener() {
                    @Override
                    public void onConnected(String threadId, String sessionId, boolean resumed) {
                        out.println((resumed ? "resumed" : "opened") + " thread " + threadId);
                    }

                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        out.println("server event " + event.eventType() + ": " + event.data());
                        answer.complete(event);
                    }
                })
                .build()) {
            client.connect().get(10, TimeUnit.SECONDS);

            JsonObject focus = new JsonObject();
            focus.addProperty("focus_level", 0.8);
            client.sendStateUpdate("minimal", focus);

            JsonObject click = new JsonObject();
            click.addProperty("action", "button_click");
            click.addProperty("target", "explore_mode");
            client.sendEvent("user_action", click).get(5, TimeUnit.SECONDS);

            return answer.completeOnTimeout(null, 5, TimeUnit.SECONDS).get();
        }
        // end::minimal-client[]
    }

    /** Entry point: {@code [url]}. */
    public static void main(String[] args) throws Exception {
        EventPayload answer = run(URI.create(args.length > 0 ? args[0] : "ws://localhost:8080/"), System.out);
        if (answer == null) {
            System.out.println("(the server did not send an event back; it need not)");
        }
    }
}
