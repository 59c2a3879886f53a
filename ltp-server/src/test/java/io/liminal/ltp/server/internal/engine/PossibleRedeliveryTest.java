package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.internal.engine.DeliveryFrames.initDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.numberedEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.resumeDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link DeliveryInfo#possibleRedelivery()} is true exactly when an earlier handover may have happened: the
 * position the message follows was written by a server run that did not stop cleanly. Two runs share one store
 * here, as two processes share a durable one.
 */
class PossibleRedeliveryTest {
    private final FakeClock clock = new FakeClock();
    private final InMemoryThreadStore store = new InMemoryThreadStore();
    private final List<String> marks = new ArrayList<>();
    private final List<LtpServer> servers = new ArrayList<>();

    /** A server run on the shared store, and its transport. */
    private InMemoryTransport run() {
        FakeScheduler scheduler = new FakeScheduler(clock);
        InMemoryTransport transport = new InMemoryTransport(scheduler);
        servers.add(TestServers.inMemory(transport, clock, scheduler, store).handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        marks.add(event.data().getAsString() + "=" + session.delivery().possibleRedelivery());
                    }
                }).build().start());
        return transport;
    }

    @AfterEach
    void stop() {
        servers.forEach(LtpServer::close);
    }

    @Test
    @DisplayName("reconnects to the same run never mark a message")
    void reconnectsToOneRun() {
        InMemoryTransport transport = run();
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        for (int n = 1; n <= 5; n++) {
            peer.sendText(numberedEvent(ack, n, "m" + n));
            peer.clientClose(1006, "");
            peer = transport.connect();
            ack = resumeDelivery(peer, "c", thread, "phone", 0);
        }
        assertThat(marks).containsExactly("m1=false", "m2=false", "m3=false", "m4=false", "m5=false");
    }

    @Test
    @DisplayName("after a run that has not stopped cleanly (killed, or still running elsewhere) the next message is "
            + "marked, and only it")
    void afterAnUncleanRun() {
        InMemoryTransport first = run();
        Peer peer = first.connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        peer.sendText(numberedEvent(ack, 1, "m1"));
        peer.clientClose(1006, "");

        InMemoryTransport second = run(); // the first is never stopped: as far as the store knows, it was killed
        Peer moved = second.connect();
        JsonObject resumed = resumeDelivery(moved, "c", thread, "phone", 0);
        moved.sendText(numberedEvent(resumed, 2, "m2"));
        moved.sendText(numberedEvent(resumed, 3, "m3"));
        assertThat(marks).containsExactly("m1=false", "m2=true", "m3=false");
    }

    @Test
    @DisplayName("after a clean stop nothing is marked")
    void afterACleanStop() {
        InMemoryTransport first = run();
        Peer peer = first.connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        peer.sendText(numberedEvent(ack, 1, "m1"));
        servers.get(0).close();

        Peer moved = run().connect();
        JsonObject resumed = resumeDelivery(moved, "c", thread, "phone", 0);
        moved.sendText(numberedEvent(resumed, 2, "m2"));
        assertThat(marks).containsExactly("m1=false", "m2=false");
    }

    @Test
    @DisplayName("a new client instance's first message is not marked, on a new or a resumed thread")
    void newInstances() {
        InMemoryTransport transport = run();
        Peer phone = transport.connect();
        JsonObject ack = initDelivery(phone, "c", "phone");
        phone.sendText(numberedEvent(ack, 1, "phone1"));
        Peer laptop = transport.connect();
        JsonObject laptopAck = resumeDelivery(laptop, "c", ack.get("thread_id").getAsString(), "laptop", 0);
        laptop.sendText(numberedEvent(laptopAck, 1, "laptop1"));
        assertThat(marks).containsExactly("phone1=false", "laptop1=false");
    }
}
