package io.liminal.ltp.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.core.codec.Toon;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An affect log sent as TOON (§9): a table of {@code t, valence, arousal} rows is about half the bytes of the
 * same JSON array. The envelope stays JSON; only {@code payload.data} is TOON text, and the server turns it back
 * into JSON.
 *
 * <pre>bin/ltp-example toon-affect-log</pre>
 */
public final class ToonAffectLog {
    private ToonAffectLog() {
    }

    /** Sends a log of {@code rows} samples; returns what the server decoded. */
    public static JsonArray run(int rows, PrintStream out) throws Exception {
        CompletableFuture<JsonArray> decoded = new CompletableFuture<>();
        LtpHandler handler = new LtpHandler() {
            @Override
            public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
                // tag::toon-server[]
                Envelope envelope = session.message();
                if (envelope.encoding() == ContentEncoding.TOON) {
                    JsonArray log = Toon.decodeTable(update.data().getAsString(), "affect_log");
                    out.println("  server decoded " + log.size() + " rows, context "
                            + session.meta().contextTag().orElse("-"));
                    decoded.complete(log);
                }
                // end::toon-server[]
            }
        };
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).handler(handler).build().start();
             LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + server.port() + "/")).build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            // tag::toon-client[]
            JsonArray samples = new JsonArray();
            for (int t = 1; t <= rows; t++) {
                JsonObject sample = new JsonObject();
                sample.addProperty("t", t);
                sample.addProperty("valence", Math.round(Math.sin(t / 3.0) * 100) / 100.0);
                sample.addProperty("arousal", Math.round(Math.cos(t / 5.0) * -50) / 100.0);
                samples.add(sample);
            }
            String toon = Toon.encodeTable("affect_log", samples);
            client.sendToonStateUpdate("affect_log_v1", toon,
                    Meta.builder().contextTag("evening_reflection").build());
            // end::toon-client[]
            out.printf("  affect log of %d rows: %d bytes as JSON, %d bytes as TOON%n", rows,
                    samples.toString().getBytes(StandardCharsets.UTF_8).length,
                    toon.getBytes(StandardCharsets.UTF_8).length);
            out.println("  TOON text starts: " + toon.lines().limit(3).toList());
            return decoded.get(10, TimeUnit.SECONDS);
        }
    }

    /** Entry point: {@code [rows]}, default 20. */
    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 20, System.out);
    }
}
