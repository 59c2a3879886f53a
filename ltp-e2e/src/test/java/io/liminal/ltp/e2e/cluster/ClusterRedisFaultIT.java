package io.liminal.ltp.e2e.cluster;

import static io.liminal.ltp.e2e.cluster.ClusterFixture.WAIT;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.counter;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.event;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.eventually;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.e2e.cluster.ClusterFixture.Inbox;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.cluster.ClusterException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster bus's Redis paused for 5 s and restarted, under traffic: no node stops, local traffic goes on,
 * cross-node pushes fail visibly meanwhile, and once Redis is back the nodes reconnect by themselves, /ready says
 * so, and a push logged during the outage reaches its client. The thread store stays in the shared Redis.
 */
@Timeout(120)
class ClusterRedisFaultIT {
    @TempDir
    Path directory;
    private RedisProcess bus;
    private ClusterFixture cluster;
    private LtpServer a;
    private LtpServer b;
    private LtpClient client;
    private final Inbox inbox = new Inbox();

    @BeforeEach
    void start() {
        bus = RedisProcess.start(directory);
        cluster = new ClusterFixture(bus.uri());
        a = cluster.node("a", builder -> builder.handler(ClusterFixture.echo())
                .clusterReplyTimeout(Duration.ofMillis(500)));
        b = cluster.node("b", builder -> builder.clusterReplyTimeout(Duration.ofMillis(500)));
        client = cluster.client(a.port(), inbox);
    }

    @AfterEach
    void stop() {
        cluster.close();
        bus.close();
    }

    @Test
    void pausedRedisFailsCrossNodePushesVisiblyWhileLocalTrafficGoesOn() throws Exception {
        assertThat(b.pushTo(client.threadId(), event("before")).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(inbox.await(1)).containsExactly("before");

        bus.pause();
        long pausedAt = System.nanoTime();
        try {
            assertThatThrownBy(() -> b.pushTo(client.threadId(), event("during")).get(WAIT.toSeconds(),
                    TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ClusterException.class);
            assertThat(counter(b, "ltp_cluster_errors_total", "reason", "timeout")).isEqualTo(1);
            // Local traffic: the client's event reaches node a's handler, and its reply comes back. The failed
            // push was logged first (delivery-v1), so node a hands it over before the reply, in log order.
            client.sendEvent("note", new JsonPrimitive("local")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(inbox.await(3)).containsExactly("before", "during", "echo-local");
            assertThat(eventually(() -> get(a, "/ready").statusCode() == 503)).as("/ready while paused").isTrue();
            assertThat(get(a, "/ready").body()).contains("cluster bus disconnected");
            for (int i = 0; i < 20; i++) {
                client.sendEvent("note", new JsonPrimitive("local-" + i)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(inbox.await(23)).hasSize(23).endsWith("echo-local-19");
            // The outage lasts 5 s, as a Redis failover might: the fault's length, not a wait for something.
            TimeUnit.NANOSECONDS.sleep(Math.max(0, pausedAt + TimeUnit.SECONDS.toNanos(5) - System.nanoTime()));
        } finally {
            bus.resume();
        }

        assertThat(eventually(() -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200))
                .as("/ready after the pause").isTrue();
        assertThat(b.pushTo(client.threadId(), event("after")).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        List<String> got = inbox.await(24);
        assertThat(got).hasSize(24).startsWith("before", "during", "echo-local").endsWith("echo-local-19", "after");
    }

    @Test
    void restartedRedisIsRejoinedAndEveryHeldThreadListenedToAgain() throws Exception {
        bus.kill();
        assertThatThrownBy(() -> b.pushTo(client.threadId(), event("lost-bus")).get(WAIT.toSeconds(),
                TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ClusterException.class);
        assertThat(counter(b, "ltp_cluster_errors_total", "reason", "publish")
                + counter(b, "ltp_cluster_errors_total", "reason", "timeout")).isPositive();
        assertThat(eventually(() -> get(a, "/ready").statusCode() == 503)).isTrue();
        client.sendEvent("note", new JsonPrimitive("local")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(inbox.await(2)).containsExactly("lost-bus", "echo-local");

        bus.startAgain(); // an empty Redis: every subscription and presence entry is gone
        assertThat(eventually(() -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200))
                .isTrue();
        assertThat(counter(a, "ltp_cluster_reconnects_total")).isPositive();
        assertThat(b.pushTo(client.threadId(), event("after")).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(inbox.await(3)).containsExactly("lost-bus", "echo-local", "after");
        assertThat(a.isReady() && b.isReady()).isTrue();
    }
}
