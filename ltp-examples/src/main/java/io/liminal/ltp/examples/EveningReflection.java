package io.liminal.ltp.examples;

import com.google.gson.JsonObject;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.core.message.Affect;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The LRI scenario of the spec: in the evening a user reflects on the day. The client sends LRI envelopes
 * ({@code state_update} of kind {@code lri_envelope_v1}) and a custom {@code lri:resonance_pattern}, each with
 * the user's affect and the context tag {@code evening_reflection} in {@code meta}. The server (a stand-in for
 * the LRI layer) answers each envelope with {@code lri_response_v1}, carrying the meta back unchanged: LTP never
 * interprets affect or context tags, it only carries them.
 *
 * <pre>bin/ltp-example evening-reflection</pre>
 */
public final class EveningReflection {
    private EveningReflection() {
    }

    /** A server answer as the client saw it. */
    public record Response(String kind, double resonance, String contextTag, Affect affect) {
    }

    /** Runs the scenario against an embedded server; returns the responses in order. */
    public static List<Response> run(PrintStream out) throws Exception {
        List<Response> responses = new CopyOnWriteArrayList<>();
        CountDownLatch answered = new CountDownLatch(3);
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).customTypes("lri:*")
                .handler(new ReflectionLayer(out)).build().start();
             LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + server.port() + "/"))
                     .clientId("evening-user")
                     .listener(new LtpClientListener() {
                         @Override
                         public void onStateUpdate(StateUpdatePayload update, Envelope envelope) {
                             Meta meta = envelope.metaOrEmpty();
                             Response response = new Response(update.kind(),
                                     update.data().getAsJsonObject().get("lri_resonance").getAsDouble(),
                                     meta.contextTag().orElse(null), meta.affect().orElse(null));
                             out.printf("  <- %s resonance=%.2f (context %s, affect %s)%n", response.kind(),
                                     response.resonance(), response.contextTag(), response.affect());
                             responses.add(response);
                             answered.countDown();
                         }
                     })
                     .build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            // tag::evening-reflection[]
            Meta calm = Meta.builder().contextTag("evening_reflection").affect(0.3, -0.2).build();
            JsonObject reflection = new JsonObject();
            reflection.addProperty("intent", "reflect");
            reflection.addProperty("content", "Today felt slower than I wanted, but the walk helped.");
            client.sendStateUpdate("lri_envelope_v1", reflection, calm);

            Meta lighter = Meta.builder().contextTag("evening_reflection").affect(0.6, -0.4).build();
            JsonObject gratitude = new JsonObject();
            gratitude.addProperty("intent", "gratitude");
            gratitude.addProperty("content", "Dinner with friends.");
            client.sendStateUpdate("lri_envelope_v1", gratitude, lighter);

            JsonObject pattern = new JsonObject();
            pattern.addProperty("pattern", "winding_down");
            pattern.addProperty("confidence", 0.74);
            client.send("lri:resonance_pattern", pattern, lighter);
            // end::evening-reflection[]
            out.println("  -> 2 LRI envelopes and 1 resonance pattern sent");
            if (!answered.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The LRI layer did not answer everything");
            }
        }
        return responses;
    }

    /** The server side: a stand-in for the LRI layer that scores resonance from valence. */
    private static final class ReflectionLayer implements LtpHandler {
        private final PrintStream out;

        ReflectionLayer(PrintStream out) {
            this.out = out;
        }

        @Override
        public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
            double valence = session.meta().affect().map(Affect::valence).orElse(0.0);
            out.printf("  server got %s %s%n", update.kind(), update.data());
            respond(session, 0.5 + valence / 2);
        }

        @Override
        public void onCustomMessage(SessionContext session, Envelope message) {
            out.printf("  server got %s %s%n", message.type(), message.payload());
            respond(session, message.payload().get("confidence").getAsDouble());
        }

        private static void respond(SessionContext session, double resonance) {
            JsonObject data = new JsonObject();
            data.addProperty("lri_resonance", Math.round(resonance * 100) / 100.0);
            data.addProperty("server_status", "processing");
            // The meta goes back as received: affect and context tag are carried, never changed (LTP-ENV-004).
            session.reply(Envelope.builder("state_update").payloadOwned(
                    new StateUpdatePayload("lri_response_v1", data).toJson()).meta(session.meta()).build());
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        System.out.println("Evening reflection over LTP:");
        run(System.out);
    }
}
