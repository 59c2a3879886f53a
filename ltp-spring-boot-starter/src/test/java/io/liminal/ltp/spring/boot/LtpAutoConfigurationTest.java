package io.liminal.ltp.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.testing.WsTestClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Which beans appear for which context, and what a wrong setting says. */
class LtpAutoConfigurationTest {
    private static final LtpHandler HANDLER = new LtpHandler() { };

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(LtpServerAutoConfiguration.class, LtpClientAutoConfiguration.class));

    @Test
    void noHandlerNoServer() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LtpServer.class)
                .doesNotHaveBean(LtpClient.class));
    }

    @Test
    void disabledByProperty() {
        runner.withBean(LtpHandler.class, () -> HANDLER).withPropertyValues("ltp.server.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LtpServer.class));
    }

    @Test
    void servletTransportOutsideAWebApplicationSaysWhatToDo() {
        runner.withBean(LtpHandler.class, () -> HANDLER).run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("ltp.server.transport=netty"));
    }

    @Test
    void nettyTransportWithStoreBeanAndCustomizers() {
        AtomicInteger customized = new AtomicInteger();
        InMemoryThreadStore store = new InMemoryThreadStore();
        runner.withBean(LtpHandler.class, () -> HANDLER)
                .withBean(ThreadStore.class, () -> store)
                .withBean(LtpServerBuilderCustomizer.class, () -> builder -> customized.incrementAndGet())
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.port=0", "ltp.server.host=127.0.0.1")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(LtpServer.class);
                    assertThat(customized).hasValue(1);
                    assertThat(context.getBean(LtpServer.class).port()).isPositive();
                });
    }

    @Test
    void nonBlockingHandlerRunsOnIoThreads() {
        List<String> threads = new CopyOnWriteArrayList<>();
        LtpHandler recording = new LtpHandler() {
            @Override
            public void onEvent(SessionContext session, EventPayload event) {
                threads.add(Thread.currentThread().getName());
                session.reply(Envelope.builder("event").payload(new EventPayload("echo", event.data()).toJson())
                        .build());
            }
        };
        ApplicationContextRunner nettyServer = runner.withBean(LtpHandler.class, () -> recording)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.port=0", "ltp.server.host=127.0.0.1",
                        "ltp.server.limits.rate-limit-per-minute=0");
        for (boolean nonBlocking : new boolean[] {true, false}) {
            threads.clear();
            nettyServer.withPropertyValues("ltp.server.non-blocking-handler=" + nonBlocking).run(context -> {
                LtpServer server = context.getBean(LtpServer.class); // started by the lifecycle bean
                try (WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"))) {
                    JsonObject ack = JsonParser.parseString(client.send("{\"type\":\"handshake_init\","
                            + "\"ltp_version\":\"0.3\",\"client_id\":\"c\"}").next()).getAsJsonObject();
                    client.send("{\"type\":\"event\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                            + "\",\"session_id\":\"" + ack.get("session_id").getAsString()
                            + "\",\"timestamp\":1731600000,\"payload\":{\"event_type\":\"e\",\"data\":1}}");
                    assertThat(client.next()).contains("\"echo\"");
                }
            });
            assertThat(threads).singleElement().asString().startsWith(nonBlocking ? "ltp-io" : "ltp-app");
        }
        ThreadStore blocking = (ThreadStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ThreadStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("isBlocking")) {
                        return true;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        runner.withBean(LtpHandler.class, () -> recording).withBean(ThreadStore.class, () -> blocking)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.non-blocking-handler=true")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("nonBlockingHandler()"));
    }

    @Test
    void healthContributorCanBeTurnedOff() {
        ApplicationContextRunner nettyServer = runner.withBean(LtpHandler.class, () -> HANDLER)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.port=0", "ltp.server.host=127.0.0.1");
        nettyServer.run(context -> assertThat(context).hasNotFailed().hasBean("ltpHealthIndicator"));
        nettyServer.withPropertyValues("management.health.ltp.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("ltpHealthIndicator"));
    }

    @Test
    void unknownStoreNamesTheProperty() {
        runner.withBean(LtpHandler.class, () -> HANDLER)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.store=mongodb://nowhere")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("Invalid ltp.server.store (mongodb://nowhere)")
                        .hasStackTraceContaining("known: memory"));
    }

    @Test
    void storePasswordIsNeverShownWhenTheStoreIsRejected() {
        runner.withBean(LtpHandler.class, () -> HANDLER)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.store=redis://:hunter2secret@127.0.0.1:1")
                .run(context -> {
                    assertThat(context).hasFailed().getFailure().hasStackTraceContaining("Invalid ltp.server.store");
                    StringWriter trace = new StringWriter();
                    context.getStartupFailure().printStackTrace(new PrintWriter(trace));
                    assertThat(trace.toString()).doesNotContain("hunter2secret");
                });
    }

    @Test
    void tooSmallMessageLimitNamesTheProperty() {
        runner.withBean(LtpHandler.class, () -> HANDLER)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.limits.max-message-size=10B")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("ltp.server.limits.max-message-size must be between"));
    }

    @Test
    void jwtSecretIsNeverShownWhenItIsRejected() {
        runner.withBean(LtpHandler.class, () -> HANDLER)
                .withPropertyValues("ltp.server.transport=netty", "ltp.server.auth.jwt-secret=short-secret-xyz")
                .run(context -> {
                    assertThat(context).hasFailed().getFailure()
                            .hasStackTraceContaining("Invalid ltp.server.auth.jwt-secret ((hidden))");
                    StringWriter trace = new StringWriter();
                    context.getStartupFailure().printStackTrace(new PrintWriter(trace));
                    assertThat(trace.toString()).doesNotContain("short-secret-xyz");
                });
    }

    @Test
    void clientOnlyWhenItHasAUrl() {
        runner.withPropertyValues("ltp.client.url=ws://127.0.0.1:9/ltp", "ltp.client.connect-on-startup=false")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LtpClient.class)
                        .doesNotHaveBean(LtpServer.class));
    }
}
