package io.liminal.ltp.examples.docs;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.core.security.ReplayGuard;
import io.liminal.ltp.jakarta.JakartaTransport;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.MessageSecurity;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreContract;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import jakarta.servlet.ServletContext;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import java.time.Duration;
import java.util.Map;

/** The code of docs/server.md, compiled (DocsSnippetsTest compares it with the document). */
final class ServerDocs {
    private ServerDocs() {
    }

    static void embed(String threadId, Envelope envelope) {
        // tag::embed[]
        LtpServer server = LtpServer.builder()
                .port(8080)
                .customTypes("lri:*")                         // custom namespaced types the handler receives
                .handler(new LtpHandler() {
                    @Override
                    public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
                        session.reply(Envelope.builder("event")
                                .payload(new EventPayload("state_received", new JsonPrimitive(update.kind())).toJson())
                                .build());
                    }

                    @Override
                    public void onCustomMessage(SessionContext session, Envelope message) {
                        session.pushToThread(message);        // every connection of the thread (tabs, devices)
                    }
                })
                .build()
                .start();                                     // UncheckedIOException when the port is taken

        server.pushTo(threadId, envelope);                    // to one thread, from anywhere (a future of the count)
        server.broadcast(envelope);                           // to every session (a future of the count)
        server.shutdown(Duration.ofSeconds(10));              // drain, wait, write threads back, stop
        // end::embed[]
    }

    // tag::store-contract[]
    static class MyStoreTest extends ThreadStoreContract {
        @Override
        protected ThreadStore newStore() {
            return new InMemoryThreadStore();                 // your store here
        }
    }
    // end::store-contract[]

    static LtpServer.Builder security(LtpServer.Builder builder, Map<String, String> secrets) {
        // tag::security[]
        builder.security(MessageSecurity.builder()
                .signatures(clientId -> secrets.get(clientId))          // HMAC-SHA256, capability sig-hmac-sha256
                .replayProtection(ReplayGuard.builder().build())        // 60 s drift, nonces remembered 5 min
                .build());
        // end::security[]
        return builder;
    }

    static LtpServer jakarta(ServletContext servletContext, LtpHandler handler) throws DeploymentException {
        // tag::jakarta[]
        JakartaTransport transport = JakartaTransport.createWithSse("/ltp"); // or create(path): WebSocket only
        LtpServer server = LtpServer.builder().transport(transport).handler(handler).build().start();
        ServerContainer container = (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
        container.addEndpoint(transport.endpointConfig());
        transport.registerSseServlet(servletContext);                      // the sse-v1 fallback at /ltp/sse
        // end::jakarta[]
        return server;
    }

    static String inMemory(LtpHandler myHandler) {
        // tag::in-memory[]
        FakeClock clock = new FakeClock();
        FakeScheduler scheduler = new FakeScheduler(clock);
        InMemoryTransport transport = new InMemoryTransport(scheduler);
        LtpServer server = LtpServer.builder().transport(transport).clock(clock).maintenanceScheduler(scheduler)
                .applicationExecutor(Runnable::run).handler(myHandler).build().start();
        InMemoryTransport.Peer peer = transport.connect();
        peer.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\"}");
        String ack = peer.poll();
        // end::in-memory[]
        server.close();
        return ack;
    }
}
