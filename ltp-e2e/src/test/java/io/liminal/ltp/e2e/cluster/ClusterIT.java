package io.liminal.ltp.e2e.cluster;

import static io.liminal.ltp.e2e.cluster.ClusterFixture.TOKEN;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.WAIT;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.counter;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.event;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.eventually;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.get;
import static io.liminal.ltp.e2e.cluster.ClusterFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.e2e.cluster.ClusterFixture.Inbox;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.cluster.ClusterException;
import io.liminal.ltp.testing.TcpProxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several nodes in one JVM sharing the local Redis as thread store and cluster bus (a key prefix per test): what
 * one node sends reaches the connections another node holds, counted cluster-wide, in log order, and a client that
 * moves between nodes replays what it missed.
 */
@Timeout(120)
class ClusterIT {
    final ClusterFixture cluster = fixture();

    /** Where the nodes meet: the shared Redis here; a Redis Cluster in {@link RedisClusterBusIT}. */
    ClusterFixture fixture() {
        return new ClusterFixture();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private LtpServer node(String id) {
        return cluster.node(id);
    }

    private LtpClient client(int port, Inbox inbox) {
        return cluster.client(port, inbox);
    }

    @Test
    void pushFromAnotherNodeReachesTheThreadAndCountsItsConnections() throws Exception {
        LtpServer a = node("a");
        LtpServer b = node("b");
        Inbox inbox = new Inbox();
        LtpClient client = client(a.port(), inbox);

        int delivered = b.pushTo(client.threadId(), event("from-b")).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(inbox.await(1)).containsExactly("from-b");
        assertThat(delivered).as("connections reached cluster-wide").isEqualTo(1);
        assertThat(counter(b, "ltp_cluster_messages_published_total")).isPositive();
        assertThat(counter(a, "ltp_cluster_messages_received_total")).isPositive();
    }

    @Test
    void broadcastReachesEveryNodesConnections() throws Exception {
        LtpServer a = node("a");
        LtpServer b = node("b");
        Inbox onA = new Inbox();
        Inbox onB = new Inbox();
        client(a.port(), onA);
        client(b.port(), onB);

        int delivered = a.broadcast(event("to-all")).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(onA.await(1)).containsExactly("to-all");
        assertThat(onB.await(1)).containsExactly("to-all");
        assertThat(delivered).isEqualTo(2);
    }

    /**
     * Two nodes push to a thread held by a third at the same time: each push is logged under the store's next
     * number, and the notices race over the bus. The client still gets every message once, in each sender's order.
     */
    @Test
    void concurrentPushesFromTwoNodesArriveOnceAndInOrder() throws Exception {
        LtpServer a = node("a");
        LtpServer b = node("b");
        LtpServer c = node("c");
        int each = 300;
        Inbox inbox = new Inbox();
        LtpClient client = client(c.port(), inbox);
        String thread = client.threadId();

        CompletableFuture<?>[] pushes = new CompletableFuture<?>[2 * each];
        Thread fromB = new Thread(() -> {
            for (int i = 0; i < each; i++) {
                pushes[each + i] = b.pushTo(thread, event("b-" + i));
            }
        });
        fromB.start();
        for (int i = 0; i < each; i++) {
            pushes[i] = a.pushTo(thread, event("a-" + i));
        }
        fromB.join();
        CompletableFuture.allOf(pushes).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        List<String> got = inbox.await(2 * each);
        assertThat(got).hasSize(2 * each).doesNotHaveDuplicates();
        assertThat(got.stream().filter(s -> s.startsWith("a-")).toList()).isEqualTo(sequence("a-", each));
        assertThat(got.stream().filter(s -> s.startsWith("b-")).toList()).isEqualTo(sequence("b-", each));
    }

    /** A client whose node goes away resumes on another and replays what was pushed meanwhile, once. */
    @Test
    void clientMovedToAnotherNodeReplaysWhatItMissed() throws Exception {
        LtpServer a = node("a");
        LtpServer b = node("b");
        try (TcpProxy balancer = TcpProxy.start(a.port())) {
            Inbox inbox = new Inbox();
            LtpClient client = client(balancer.port(), inbox);
            String thread = client.threadId();
            assertThat(b.pushTo(thread, event("m-0")).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(inbox.await(1)).containsExactly("m-0");

            balancer.retarget(b.port());
            balancer.refuse(true);
            balancer.cutAll(); // the client is away while the pushes below are logged
            for (int i = 1; i <= 5; i++) {
                b.pushTo(thread, event("m-" + i)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            balancer.refuse(false);

            assertThat(inbox.await(6)).containsExactly("m-0", "m-1", "m-2", "m-3", "m-4", "m-5");
            assertThat(b.connectionCount()).as("the client resumed on node b").isEqualTo(1);
            assertThat(a.connectionCount()).isZero();
        }
    }

    /**
     * A drained node sends 1001 and its client moves at once, through the balancer, to another node: what it
     * sent before is applied once, and what was pushed while it moved reaches it once, in order.
     */
    @Test
    void drainedNodesClientMovesWithNothingLost() throws Exception {
        LtpServer a = cluster.node("a", builder -> builder.handler(ClusterFixture.echo()));
        LtpServer b = cluster.node("b", builder -> builder.handler(ClusterFixture.echo()));
        try (TcpProxy balancer = TcpProxy.start(a.port())) {
            Inbox inbox = new Inbox();
            LtpClient client = client(balancer.port(), inbox);
            String thread = client.threadId();
            for (int i = 0; i < 10; i++) {
                client.sendEvent("note", new com.google.gson.JsonPrimitive("c-" + i));
            }
            assertThat(inbox.await(10)).hasSize(10);

            balancer.retarget(b.port());
            a.drain();
            for (int i = 0; i < 10; i++) {
                b.pushTo(thread, event("p-" + i)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                client.sendEvent("note", new com.google.gson.JsonPrimitive("c-" + (10 + i)));
            }

            List<String> got = inbox.await(30);
            assertThat(got).hasSize(30).doesNotHaveDuplicates();
            assertThat(got.stream().filter(e -> e.startsWith("echo-")).toList()).isEqualTo(sequence("echo-c-", 20));
            assertThat(got.stream().filter(e -> e.startsWith("p-")).toList()).isEqualTo(sequence("p-", 10));
            assertThat(b.connectionCount()).isEqualTo(1);
            assertThat(a.connectionCount()).isZero();
        }
    }

    @Test
    void adminApiPushesAndBroadcastsCountingTheCluster() throws Exception {
        LtpServer a = node("a");
        LtpServer b = node("b");
        Inbox inbox = new Inbox();
        LtpClient client = client(a.port(), inbox);

        HttpResponse<String> pushed = post(b, "/admin/push", "{\"thread_id\":\"" + client.threadId()
                + "\",\"envelope\":{\"type\":\"event\",\"payload\":{\"event_type\":\"note\",\"data\":\"via-admin\"}}}",
                TOKEN);
        assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
        assertThat(JsonParser.parseString(pushed.body()).getAsJsonObject().get("delivered").getAsInt()).isEqualTo(1);

        HttpResponse<String> broadcast = post(b, "/admin/broadcast",
                "{\"envelope\":{\"type\":\"event\",\"payload\":{\"event_type\":\"note\",\"data\":\"everyone\"}}}", TOKEN);
        assertThat(broadcast.statusCode()).as(broadcast.body()).isEqualTo(200);
        assertThat(inbox.await(2)).containsExactly("via-admin", "everyone");

        assertThat(post(b, "/admin/push", "{\"thread_id\":\"x\"}", "wrong-token").statusCode()).isEqualTo(401);
        HttpResponse<String> bad = post(b, "/admin/push", "{\"thread_id\":\"x\"}", TOKEN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("envelope");
        assertThat(post(b, "/admin/push", "not json", TOKEN).statusCode()).isEqualTo(400);
        assertThat(post(b, "/admin/push", "{\"thread_id\":\"no-such-thread\",\"envelope\":{\"type\":\"event\","
                + "\"payload\":{\"event_type\":\"note\",\"data\":1}}}", TOKEN).statusCode()).isEqualTo(404);
        assertThat(post(b, "/admin/push", "{\"thread_id\":\"" + client.threadId() + "\",\"envelope\":{\"type\":"
                + "\"handshake_ack\",\"payload\":{}}}", TOKEN).statusCode()).isEqualTo(400);
    }

    @Test
    void nodeHoldingAThreadIsRecordedUntilTheThreadLeavesIt() throws Exception {
        LtpServer a = node("a");
        LtpClient client = client(a.port(), new Inbox());
        String key = cluster.prefix + "{" + client.threadId() + "}:nodes";
        RedisClusterCommands<String, String> redis = cluster.busRedis();
        assertThat(redis.zrange(key, 0, -1)).containsExactly("a");
        assertThat(redis.zscore(key, "a")).as("expires by itself").isGreaterThan((double) System.currentTimeMillis());
        assertThat(redis.pttl(key)).isPositive();
        client.close();
        assertThat(eventually(() -> redis.zrange(key, 0, -1).isEmpty())).isTrue();
    }

    @Test
    void healthListsTheNodesWhosePresenceHasNotExpired() throws Exception {
        LtpServer a = node("a");
        node("b");
        // A node that died without leaving: its entry expires by itself.
        cluster.busRedis().zadd(cluster.prefix + "nodes", System.currentTimeMillis() + 500, "ghost");
        assertThat(nodeIds(a)).containsExactlyInAnyOrder("a", "b", "ghost");
        assertThat(eventually(() -> !nodeIds(a).contains("ghost"))).isTrue();
        assertThat(nodeIds(a)).containsExactlyInAnyOrder("a", "b");
        assertThat(get(a, "/ready").statusCode()).isEqualTo(200);
    }

    /** A node with no one answering: the push fails visibly and is counted, and nothing waits forever. */
    @Test
    void pushFailsVisiblyWhenAHoldingNodeDoesNotAnswer() throws Exception {
        LtpServer a = node("a");
        LtpClient client = client(a.port(), new Inbox());
        // A silent listener on the thread's channel: a node that receives but never answers.
        cluster.listenSilently(cluster.threadChannel(client.threadId()));
        LtpServer b = cluster.node("b", builder -> builder.clusterReplyTimeout(Duration.ofMillis(300)));
        assertThatThrownBy(() -> b.pushTo(client.threadId(), event("x")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ClusterException.class)
                .hasMessageContaining("did not answer");
        assertThat(counter(b, "ltp_cluster_errors_total", "reason", "timeout")).isEqualTo(1);
    }

    private static List<String> sequence(String prefix, int count) {
        List<String> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(prefix + i);
        }
        return list;
    }

    private static List<String> nodeIds(LtpServer server) {
        JsonObject health = JsonParser.parseString(get(server, "/health").body()).getAsJsonObject();
        List<String> ids = new ArrayList<>();
        health.getAsJsonObject("cluster").getAsJsonArray("nodes")
                .forEach(node -> ids.add(node.getAsJsonObject().get("id").getAsString()));
        return ids;
    }
}
