package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.internal.engine.DeliveryFrames.event;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.initDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.numberedEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.resumeDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A shutdown while a handler is mid-call, with the connections' executors already stopped. */
class ShutdownTest {
    private final FakeClock clock = new FakeClock();
    private final InMemoryThreadStore store = new InMemoryThreadStore();

    private LtpServer server(InMemoryTransport transport, Executor app, LtpHandler handler) {
        return TestServers.inMemory(transport, clock, new FakeScheduler(clock), store).applicationExecutor(app)
                .handler(handler).build().start();
    }

    private static double count(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    @DisplayName("a handler finishing after the transport stopped: its message is committed, its ack dropped quietly, "
            + "nothing is blamed on the handler, and the stop counts as clean")
    void handlerFinishesAfterTheTransportStopped() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService app = Executors.newSingleThreadExecutor();
        InMemoryTransport transport = new InMemoryTransport(new FakeScheduler(clock));
        LtpServer first = server(transport, app, new LtpHandler() {
            @Override
            public void onEvent(SessionContext session, EventPayload event) {
                inHandler.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                session.reply(event("reply"));
            }
        });
        try {
            Peer peer = transport.connect();
            JsonObject ack = initDelivery(peer, "c", "phone");
            String thread = ack.get("thread_id").getAsString();
            peer.sendText(numberedEvent(ack, 1, "m1"));
            assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();

            Thread stopper = new Thread(() -> first.shutdown(Duration.ofSeconds(10)), "stopper");
            stopper.start();
            transport.closed().get(10, TimeUnit.SECONDS);
            release.countDown();
            stopper.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(stopper.isAlive()).isFalse();

            MeterRegistry registry = first.meterRegistry();
            assertThat(count(registry, "ltp_handler_errors_total")).isZero();
            assertThat(count(registry, "ltp_internal_errors_total")).isZero();
            assertThat(store.inboundCursor(thread, "phone").seq()).isEqualTo(1);
            assertThat(store.outboundBounds(thread).last()).as("the reply is in the log").isEqualTo(1);

            // The next run resumes: what follows a cleanly stopped run's position is not marked.
            List<Boolean> marks = new ArrayList<>();
            InMemoryTransport next = new InMemoryTransport(new FakeScheduler(clock));
            LtpServer second = server(next, Runnable::run, new LtpHandler() {
                @Override
                public void onEvent(SessionContext session, EventPayload event) {
                    marks.add(session.delivery().possibleRedelivery());
                }
            });
            try {
                Peer again = next.connect();
                JsonObject resumed = resumeDelivery(again, "c", thread, "phone", 0);
                again.sendText(numberedEvent(resumed, 2, "m2"));
                assertThat(marks).containsExactly(false);
            } finally {
                second.close();
            }
        } finally {
            app.shutdownNow();
        }
    }
}
