package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.resume;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.testing.RawWebSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Finding 10: while the store fails, /ready says so (for the load balancer) and /health says why. */
class StoreFailureIT extends HostileTest {
    private volatile boolean broken;

    @Test
    @DisplayName("a store failing on resumes turns /ready 503 and /health's store 'failing'; both recover")
    void readinessFollowsTheStore() throws Exception {
        ForwardingStore store = new ForwardingStore(new InMemoryThreadStore()) {
            @Override
            public Optional<ThreadRecord> find(String threadId) {
                if (broken) {
                    throw new IllegalStateException("database disk image is malformed");
                }
                return super.find(threadId);
            }

            @Override
            public void checkHealth() {
                if (broken) {
                    throw new IllegalStateException("database disk image is malformed");
                }
            }
        };
        start(b -> b.threadStore(store));
        String thread;
        try (RawWebSocket first = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            first.sendText(init("c"));
            thread = json(first.readFrame(WAIT).text()).get("thread_id").getAsString();
        }
        assertThat(eventually(() -> server.liveThreadCount() == 1, WAIT)).isTrue(); // only the canary's
        broken = true;
        duringAttack(() -> {
            try (RawWebSocket resumer = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
                resumer.sendText(resume("c", thread));
                assertThat(resumer.readCloseCode(WAIT)).isEqualTo(1011);
            }
        });
        HttpResponse<String> ready = get(server.httpPort(), "/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("thread store failing");
        JsonObject health = json(get(server.httpPort(), "/health").body());
        assertThat(health.getAsJsonObject("store").get("status").getAsString()).isEqualTo("failing");

        broken = false;
        assertThat(eventuallyWithHeartbeat(() -> {
            try {
                return get(server.httpPort(), "/ready").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(25))).as("ready again 15 s after the last failure").isTrue();
    }
}
