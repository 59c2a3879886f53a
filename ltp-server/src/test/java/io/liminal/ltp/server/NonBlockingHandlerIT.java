package io.liminal.ltp.server;

import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.testing.WsTestClient;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code nonBlockingHandler()}: handler calls on the I/O threads, still one at a time and in order per thread. */
@Timeout(60)
class NonBlockingHandlerIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<String> handlerThreads = Collections.synchronizedList(new ArrayList<>());
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inCall = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private LtpServer server;
    private URI uri;

    @BeforeEach
    void start() {
        server = LtpServer.builder()
                .host("127.0.0.1")
                .port(0)
                .noRateLimit()
                .nonBlockingHandler()
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        if (inCall.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        try {
                            handlerThreads.add(Thread.currentThread().getName());
                            calls.add(event.data().getAsString());
                            if ("push".equals(event.eventType())) {
                                session.pushToThread(Envelope.builder("event")
                                        .payload(new EventPayload("pushed", event.data()).toJson()).build());
                            } else {
                                session.reply(Envelope.builder("event")
                                        .payload(new EventPayload("echo", event.data()).toJson()).build());
                            }
                        } finally {
                            inCall.decrementAndGet();
                        }
                    }
                })
                .build()
                .start();
        uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("calls run on the I/O thread that read the message; replies and pushes arrive")
    void callsOnIoThreads() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject ack = json(client.send(init("c")).next());
            JsonObject reply = json(client.send(event(ack, "hello", "\"42\"")).next());
            assertThat(reply.getAsJsonObject("payload").get("data").getAsString()).isEqualTo("42");
            JsonObject pushed = json(client.send(event(ack, "push", "\"7\"")).next());
            assertThat(pushed.getAsJsonObject("payload").get("event_type").getAsString()).isEqualTo("pushed");
            Envelope note = Envelope.builder("event")
                    .payload(new EventPayload("note", new JsonPrimitive(1)).toJson()).build();
            assertThat(server.pushTo(ack.get("thread_id").getAsString(), note).join()).isEqualTo(1);
            assertThat(type(client.next())).isEqualTo("event");
        }
        assertThat(handlerThreads).hasSize(2).allSatisfy(name -> assertThat(name).startsWith("ltp-io"));
    }

    @Test
    @DisplayName("two connections of one thread on different I/O threads: calls never overlap, each in order")
    void serializedAcrossConnections() {
        int perConnection = 500;
        try (WsTestClient first = WsTestClient.connect(uri); WsTestClient second = WsTestClient.connect(uri)) {
            JsonObject ackA = json(first.send(init("c")).next());
            JsonObject ackB = json(second.send(resume("c", ackA.get("thread_id").getAsString())).next());
            assertThat(ackB.get("resumed").getAsBoolean()).isTrue();
            for (int i = 0; i < perConnection; i++) { // no waiting between sends: both lanes race for the thread
                first.send(event(ackA, "e", "\"a" + i + "\""));
                second.send(event(ackB, "e", "\"b" + i + "\""));
            }
            for (int i = 0; i < perConnection; i++) {
                assertThat(payloadData(first.next(WAIT))).isEqualTo("a" + i);
                assertThat(payloadData(second.next(WAIT))).isEqualTo("b" + i);
            }
        }
        assertThat(overlaps.get()).isZero();
        List<String> fromA = calls.stream().filter(call -> call.startsWith("a")).toList();
        List<String> fromB = calls.stream().filter(call -> call.startsWith("b")).toList();
        assertThat(fromA).containsExactlyElementsOf(sequence("a", perConnection));
        assertThat(fromB).containsExactlyElementsOf(sequence("b", perConnection));
        assertThat(handlerThreads).allSatisfy(name -> assertThat(name).startsWith("ltp-io"));
    }

    @Test
    @DisplayName("refused with an application executor or a store that blocks")
    void refusedWhereItWouldBlock() {
        assertThatThrownBy(() -> LtpServer.builder().nonBlockingHandler().applicationExecutor(Runnable::run).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("applicationExecutor");
        ThreadStore blocking = (ThreadStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ThreadStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("isBlocking")) {
                        return true;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        assertThatThrownBy(() -> LtpServer.builder().nonBlockingHandler().threadStore(blocking).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not block");
    }

    private static String payloadData(String frame) {
        return json(frame).getAsJsonObject("payload").get("data").getAsString();
    }

    private static List<String> sequence(String prefix, int count) {
        List<String> expected = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            expected.add(prefix + i);
        }
        return expected;
    }
}
