package io.liminal.ltp.e2e.cluster;

import static io.liminal.ltp.e2e.cluster.ClusterFixture.WAIT;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.e2e.cluster.ClusterFixture.Inbox;
import io.liminal.ltp.server.LtpServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every test of {@link ClusterIT} again, with the bus on a three-master Redis Cluster (sharded channels), plus
 * what only a cluster can get wrong: threads on every shard, and every master restarted under the nodes.
 */
class RedisClusterBusIT extends ClusterIT {
    @TempDir
    static Path directory;
    private static RedisClusterProcesses redisCluster;

    @BeforeAll
    static void startRedisCluster() {
        redisCluster = RedisClusterProcesses.start(directory);
    }

    @AfterAll
    static void stopRedisCluster() {
        if (redisCluster != null) {
            redisCluster.close();
        }
    }

    @Override
    ClusterFixture fixture() {
        return new ClusterFixture(redisCluster);
    }

    /** Thirty threads spread over the three shards: each push is counted and delivered, whichever shard. */
    @Test
    void pushesReachThreadsOnEveryShard() throws Exception {
        LtpServer a = cluster.node("a");
        LtpServer b = cluster.node("b");
        List<LtpClient> clients = new ArrayList<>();
        List<Inbox> inboxes = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Inbox inbox = new Inbox();
            inboxes.add(inbox);
            clients.add(cluster.client(a.port(), inbox));
        }
        for (int i = 0; i < clients.size(); i++) {
            int delivered = b.pushTo(clients.get(i).threadId(), event("to-" + i)).get(WAIT.toSeconds(),
                    TimeUnit.SECONDS);
            assertThat(delivered).as("thread %d", i).isEqualTo(1);
        }
        for (int i = 0; i < clients.size(); i++) {
            assertThat(inboxes.get(i).await(1)).containsExactly("to-" + i);
        }
    }

    /**
     * Every master killed and started again: Lettuce reconnects, but restores only some sharded subscriptions; the
     * bus subscribes again to all it holds, so pushes from the other node reach every thread afterwards.
     */
    @Test
    void everyShardRestartedAndEveryThreadStillReached() throws Exception {
        LtpServer a = cluster.node("a");
        LtpServer b = cluster.node("b");
        List<LtpClient> clients = new ArrayList<>();
        List<Inbox> inboxes = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Inbox inbox = new Inbox();
            inboxes.add(inbox);
            clients.add(cluster.client(a.port(), inbox));
        }

        redisCluster.restartAll();
        for (LtpClient client : clients) {
            cluster.awaitListened(client.threadId());
        }
        assertThat(ClusterFixture.eventually(() -> ClusterFixture.get(b, "/ready").statusCode() == 200
                && ClusterFixture.get(a, "/ready").statusCode() == 200)).isTrue();

        for (int i = 0; i < clients.size(); i++) {
            int delivered = b.pushTo(clients.get(i).threadId(), event("after-" + i)).get(WAIT.toSeconds(),
                    TimeUnit.SECONDS);
            assertThat(delivered).as("thread %d", i).isEqualTo(1);
        }
        for (int i = 0; i < clients.size(); i++) {
            assertThat(inboxes.get(i).await(1)).containsExactly("after-" + i);
        }
    }
}
