package io.liminal.ltp.server;

import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Group commit on a blocking delivery store: lanes hand their commits to one writer and wait for them without a
 * thread; what waits together is written in one {@link DeliveryStore#commitAll} call.
 */
@Timeout(60)
class GroupCommitIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<Integer> groups = Collections.synchronizedList(new ArrayList<>());
    private final List<String> handled = Collections.synchronizedList(new ArrayList<>());
    private final List<DeliveryInfo> infos = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService oneAppThread = Executors.newSingleThreadExecutor();
    private volatile CountDownLatch handledLatch = new CountDownLatch(0);
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile boolean loseTheNextAnswer;
    private LtpServer server;
    private URI uri;

    /** In memory, but declared blocking (as JDBC and Redis stores are), so the server groups its commits. */
    private final class BlockingStore extends ForwardingStore {
        BlockingStore() {
            super(new InMemoryThreadStore());
        }

        @Override
        public boolean isBlocking() {
            return true;
        }

        @Override
        public long[] commitAll(List<Commit> commits) {
            groups.add(commits.size());
            try {
                gate.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long[] firsts = super.commitAll(commits);
            if (loseTheNextAnswer) {
                loseTheNextAnswer = false;
                throw new IllegalStateException("connection to the store lost after the commit");
            }
            return firsts;
        }
    }

    private void start() {
        server = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .threadStore(new BlockingStore())
                .applicationExecutor(oneAppThread)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        handled.add(session.clientId() + ":" + event.data().getAsString());
                        infos.add(session.delivery());
                        session.reply(Envelope.builder("event").payload(new EventPayload("reply", event.data())
                                .toJson()).build());
                        handledLatch.countDown();
                    }
                })
                .build().start();
        uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        oneAppThread.shutdownNow();
    }

    @Test
    @DisplayName("commits of several threads that wait together go to the store in one call, and lanes wait without "
            + "a thread")
    void commitsThatWaitTogetherAreWrittenTogether() throws Exception {
        start();
        List<WsTestClient> clients = new ArrayList<>();
        List<JsonObject> acks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WsTestClient client = WsTestClient.connect(uri);
            clients.add(client);
            acks.add(handshake(client, "c" + i, "instance-" + i, null, 0));
        }
        gate = new CountDownLatch(1);
        handledLatch = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            clients.get(i).send(numberedEvent(acks.get(i), 1, "m" + i));
        }
        // One application thread: all three handlers run while the first commit is held in the store, so a lane
        // that waits for its commit cannot be holding that thread.
        assertThat(handledLatch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("all three handled").isTrue();
        gate.countDown();

        for (int i = 0; i < 3; i++) {
            List<JsonObject> frames = List.of(json(clients.get(i).next()), json(clients.get(i).next()));
            assertThat(frames).anySatisfy(f -> {
                assertThat(f.get("type").getAsString()).isEqualTo("event");
                assertThat(f.get("seq").getAsLong()).isEqualTo(1);
            });
            assertThat(frames).anySatisfy(f -> {
                assertThat(f.get("type").getAsString()).isEqualTo("delivery:ack");
                assertThat(f.getAsJsonObject("payload").get("through").getAsLong()).isEqualTo(1);
            });
        }
        assertThat(groups).as("one group held two or three").hasSizeLessThan(3)
                .satisfies(sizes -> assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3));
        clients.forEach(WsTestClient::close);
    }

    @Test
    @DisplayName("a commit that failed after it was stored is not handled again: the position is read back")
    void aCommitStoredDespiteItsFailureIsNotHandledAgain() throws Exception {
        start();
        String threadId;
        WsTestClient keeper = WsTestClient.connect(uri);
        try (WsTestClient first = WsTestClient.connect(uri)) {
            JsonObject ack = handshake(first, "c", "instance-1", null, 0);
            threadId = ack.get("thread_id").getAsString();
            // A second connection keeps the thread live, so the server keeps what it knows of instance-1.
            handshake(keeper, "c", "instance-2", threadId, 0);
            loseTheNextAnswer = true;
            first.send(numberedEvent(ack, 1, "once"));
            assertThat(first.awaitClose(WAIT).code()).as("closed so that the client resends").isEqualTo(1011);
        }
        try (WsTestClient second = WsTestClient.connect(uri)) {
            JsonObject ack = handshake(second, "c", "instance-1", threadId, 0);
            assertThat(ack.getAsJsonObject("delivery").get("last_processed").getAsLong()).isEqualTo(1);
            JsonObject replayed = json(second.next());
            assertThat(replayed.get("seq").getAsLong()).as("the stored reply is replayed").isEqualTo(1);

            handledLatch = new CountDownLatch(1);
            second.send(numberedEvent(ack, 1, "once")); // resent although processed: must not run again
            JsonObject dropped = json(second.next());
            assertThat(dropped.get("type").getAsString()).isEqualTo("delivery:ack");
            assertThat(dropped.getAsJsonObject("payload").get("through").getAsLong()).isEqualTo(1);
            second.send(numberedEvent(ack, 2, "next"));
            assertThat(handledLatch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            keeper.close();
        }
        assertThat(handled).containsExactly("c:once", "c:next");
        assertThat(infos.get(1).possibleRedelivery()).as("the failed commit landed: 2 was never handed over")
                .isFalse();
    }

    private static JsonObject handshake(WsTestClient client, String clientId, String instance, String threadId,
            long lastReceived) {
        String delivery = "\"delivery\":{\"version\":1,\"instance\":\"" + instance + "\",\"last_received\":"
                + lastReceived + "}";
        client.send(threadId == null
                ? "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                        + "\",\"capabilities\":[\"delivery-v1\"]," + delivery + "}"
                : "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                        + "\",\"thread_id\":\"" + threadId + "\"," + delivery + "}");
        JsonObject ack = json(client.next());
        assertThat(ack.get("type").getAsString()).isEqualTo("handshake_ack");
        return ack;
    }

    private static String numberedEvent(JsonObject ack, long seq, String data) {
        return "{\"type\":\"event\",\"thread_id\":\"" + ack.get("thread_id").getAsString() + "\",\"session_id\":\""
                + ack.get("session_id").getAsString() + "\",\"timestamp\":1731600000,\"seq\":" + seq
                + ",\"payload\":{\"event_type\":\"work\",\"data\":\"" + data + "\"}}";
    }
}
