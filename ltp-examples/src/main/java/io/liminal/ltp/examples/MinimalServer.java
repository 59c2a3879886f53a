package io.liminal.ltp.examples;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.io.PrintStream;

/**
 * The smallest useful LTP server: prints what clients send and acknowledges each event.
 *
 * <pre>bin/ltp-example minimal-server [port]</pre>
 */
public final class MinimalServer {
    private MinimalServer() {
    }

    /** Starts the server on {@code port} (0 = any free port); messages are printed to {@code out}. */
    public static LtpServer start(int port, PrintStream out) {
        // tag::minimal-server[]
        LtpServer server = LtpServer.builder()
                .port(port)
                .handler(new LtpHandler() {
                    @Override
                    public void onSessionOpened(SessionContext session) {
                        out.println("session " + session.sessionId() + " of thread " + session.threadId());
                    }

                    @Override
                    public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
                        out.println("state_update " + update.kind() + ": " + update.data());
                    }

                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        out.println("event " + event.eventType() + ": " + event.data());
                        JsonObject receipt = new JsonObject();
                        receipt.addProperty("original_event", event.eventType());
                        receipt.addProperty("status", "acknowledged");
                        session.reply(Examples.event("event_received", receipt));
                    }
                })
                .build()
                .start();
        // end::minimal-server[]
        return server;
    }

    /** Entry point: {@code [port]}, default 8080; runs until stopped. */
    public static void main(String[] args) throws InterruptedException {
        LtpServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 8080, System.out);
        System.out.println("LTP server on ws://localhost:" + server.port() + "/ (Ctrl+C to stop)");
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        Thread.currentThread().join();
    }
}
