package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** /ready and /health follow the thread store: failing operations and a failing probe both count (finding 10). */
class StoreHealthTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final InMemoryTransport transport = new InMemoryTransport(scheduler);
    private volatile boolean broken;
    private final ForwardingStore store = new ForwardingStore(new InMemoryThreadStore()) {
        @Override
        public Optional<ThreadRecord> find(String threadId) {
            failIfBroken();
            return super.find(threadId);
        }

        @Override
        public void checkHealth() {
            failIfBroken();
        }

        private void failIfBroken() {
            if (broken) {
                throw new IllegalStateException("database disk image is malformed (at redis://:hunter2@db:6379)");
            }
        }
    };
    private LtpServer server;

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpReply get(String path) {
        return transport.http("GET", path, null);
    }

    @Test
    @DisplayName("a store failing on resumes makes /ready 503 and /health say why, without secrets; it recovers")
    void readinessFollowsTheStore() {
        Logger logs = (Logger) LoggerFactory.getLogger("io.liminal.ltp.server");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logs.addAppender(lines);
        try {
            readiness();
        } finally {
            logs.detachAppender(lines);
        }
        assertThat(lines.list).as("store failures were logged").isNotEmpty();
        for (ILoggingEvent line : lines.list) {
            assertThat(line.getFormattedMessage()).doesNotContain("hunter2");
            for (IThrowableProxy error = line.getThrowableProxy(); error != null; error = error.getCause()) {
                assertThat(error.getMessage()).as("the logged stack trace").doesNotContain("hunter2");
            }
        }
    }

    private void readiness() {
        server = TestServers.inMemory(transport, clock, scheduler, store).build().start();
        Peer first = transport.connect();
        first.sendText(init("c"));
        String thread = json(first.poll()).get("thread_id").getAsString();
        assertThat(get("/ready").status()).isEqualTo(200);
        first.clientClose(1000, "bye"); // the thread is no longer live: a resume reads the store

        broken = true;
        Peer resumer = transport.connect();
        resumer.sendText(resume("c", thread));
        assertThat(resumer.closeCode()).as("the resume fails like before").isEqualTo(1011);
        HttpReply ready = get("/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body()).contains("thread store failing");
        JsonObject health = json(get("/health").body());
        assertThat(health.get("status").getAsString()).isEqualTo("degraded");
        assertThat(health.getAsJsonObject("store").get("status").getAsString()).isEqualTo("failing");
        assertThat(health.getAsJsonObject("store").get("error").getAsString()).contains("malformed")
                .doesNotContain("hunter2");
        assertThat(get("/health").status()).as("alive, just not ready").isEqualTo(200);

        // The probe keeps it failing while the store fails, without traffic.
        scheduler.advance(Duration.ofSeconds(20));
        assertThat(get("/ready").status()).isEqualTo(503);

        broken = false;
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(get("/ready").status()).as("quiet for 15 s first").isEqualTo(503);
        scheduler.advance(Duration.ofSeconds(15));
        assertThat(get("/ready").status()).isEqualTo(200);
        Peer again = transport.connect();
        again.sendText(resume("c", thread));
        assertThat(type(again.poll())).isEqualTo("handshake_ack");
    }
}
