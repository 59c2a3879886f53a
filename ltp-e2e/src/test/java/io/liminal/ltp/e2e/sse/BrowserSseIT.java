package io.liminal.ltp.e2e.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.testing.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's browser example ({@code examplePage(true)}, {@code /example/sse}) in a real browser: Debian's
 * Chromium, headless, speaking LTP over EventSource and fetch through a proxy that cuts its event stream. The page
 * runs with {@code ?report=1}, so it reports what it receives as events, which the handler here collects.
 */
@Timeout(120)
class BrowserSseIT {
    private final BlockingQueue<String> pageSaid = new LinkedBlockingQueue<>();
    private volatile String threadId;
    private LtpServer server;
    private TcpProxy proxy;
    private Process browser;

    @TempDir
    Path directory;

    @AfterEach
    void stop() throws InterruptedException {
        if (browser != null) {
            browser.descendants().forEach(ProcessHandle::destroy);
            browser.destroy();
            if (!browser.waitFor(10, TimeUnit.SECONDS)) {
                browser.destroyForcibly();
            }
        }
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String nextFromPage() throws InterruptedException {
        String said = pageSaid.poll(30, TimeUnit.SECONDS);
        assertThat(said).as("the page reports within 30 s (browser output: %s)", browserOutput()).isNotNull();
        return said;
    }

    private String browserOutput() {
        try {
            Path log = directory.resolve("chromium.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName("headless Chromium connects over sse-v1, sends, receives a reply and a push, and gets the push "
            + "sent while its event stream was cut once the browser reopened it")
    void browserSpeaksLtpOverSse() throws Exception {
        server = LtpServer.builder().host("127.0.0.1").port(0).examplePage(true)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        threadId = session.threadId();
                        String data = event.data().getAsString();
                        pageSaid.add(data);
                        if (data.equals("connected")) {
                            session.reply(Envelope.builder("event").payloadOwned(
                                    new EventPayload("greeting", new JsonPrimitive("first")).toJson()).build());
                        }
                    }
                }).build().start();
        proxy = TcpProxy.start(server.port());
        String page = "http://127.0.0.1:" + proxy.port() + "/example/sse?report=1&client_id=chromium-test";
        try {
            browser = new ProcessBuilder(List.of("chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + directory.resolve("profile"),
                    "--remote-debugging-port=0", page))
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("chromium.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("chromium could not start (.ci/run installs it: apt-get install -y chromium)", e);
        }

        assertThat(nextFromPage()).isEqualTo("connected");
        assertThat(nextFromPage()).as("the reply reached the page").isEqualTo("received \"first\"");

        proxy.cutAll(); // the event stream (and any keep-alive post connection) dies
        server.pushTo(threadId, Envelope.builder("event").payloadOwned(
                new EventPayload("news", new JsonPrimitive("after the cut")).toJson()).build()).join();
        assertThat(nextFromPage()).as("the push made while the stream was down")
                .isEqualTo("received \"after the cut\"");
        assertThat(proxy.acceptedConnections()).as("the browser reconnected through the proxy").isGreaterThan(2);
    }
}
