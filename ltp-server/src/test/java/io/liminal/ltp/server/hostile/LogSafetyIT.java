package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.initWithToken;
import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import io.liminal.ltp.server.auth.AuthResult;
import io.liminal.ltp.testing.RawWebSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Finding 4: peer strings reach logs and replies escaped and cut short, and failures repeated by peers are logged
 * at a bounded rate with a count.
 */
class LogSafetyIT extends HostileTest {
    private final Logger engine = (Logger) LoggerFactory.getLogger(
            "io.liminal.ltp.server.internal.engine.EngineConnection");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Level previous;

    private void capture() {
        previous = engine.getLevel();
        engine.setLevel(Level.INFO);
        lines.start();
        engine.addAppender(lines);
    }

    @AfterEach
    void release() {
        engine.detachAppender(lines);
        engine.setLevel(previous);
    }

    @Test
    @DisplayName("200 refused handshakes with 250-character ids write at most 10 bounded lines, then a count")
    void refusalsAreLoggedAtABoundedRate() throws Exception {
        canaryHandshake = initWithToken("canary", "canary-token");
        start(b -> b.authenticator(request -> "canary-token".equals(request.token()) ? AuthResult.allow("canary")
                : AuthResult.deny("bad token for " + request.clientId())));
        capture();
        String longId = "q".repeat(250);
        duringAttack(() -> {
            for (int i = 0; i < 200; i++) {
                try (RawWebSocket attacker = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
                    attacker.sendText(initWithToken(longId, "x"));
                    attacker.readCloseCode(WAIT);
                }
            }
        });
        List<String> written = lines.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("Handshake of client")).toList();
        assertThat(written).hasSizeBetween(1, 12);
        assertThat(written).allSatisfy(line -> assertThat(line).hasSizeLessThan(400).doesNotContain(longId));
        int bytes = written.stream().mapToInt(String::length).sum();
        assertThat(bytes).as("200 refusals, a few KB of log at most").isLessThan(5_000);
    }

    @Test
    @DisplayName("a newline in a client_id cannot forge a log record: the id is refused before anything logs it")
    void newlineCannotForgeARecord() throws Exception {
        start(b -> { });
        capture();
        try (RawWebSocket attacker = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            attacker.sendText(init("x\\n12:00:00.000 INFO  [main] forged - admin logged in"));
            assertThat(json(attacker.readFrame(WAIT).text()).getAsJsonObject("payload").get("error_code")
                    .getAsString()).isEqualTo("INVALID_CLIENT_ID");
        }
        assertThat(lines.list).noneMatch(event -> event.getFormattedMessage().contains("\n"));
    }

    @Test
    @DisplayName("a 70 KB message type is echoed cut short in the error, not twice in full")
    void hugeTypeEchoedShort() throws Exception {
        start(b -> { });
        try (RawWebSocket attacker = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            attacker.sendText(init("typer"));
            JsonObject ack = json(attacker.readFrame(WAIT).text());
            String type = "x:" + "t".repeat(70_000);
            attacker.sendText("{\"type\":\"" + type + "\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                    + "\",\"session_id\":\"" + ack.get("session_id").getAsString()
                    + "\",\"timestamp\":1731600000,\"payload\":{}}");
            String reply = attacker.readFrame(WAIT).text();
            assertThat(reply).contains("UNKNOWN_MESSAGE_TYPE").hasSizeLessThan(1_000);
        }
        assertCanaryResponsive();
    }
}
