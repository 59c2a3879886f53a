package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server profile: what a run is told about the server's configuration, from Java or a file. */
class ServerProfileTest {

    @Test
    @DisplayName("a profile file declares limits, caps, timers, the push trigger and the run's credentials")
    void parsesEveryKey() {
        SuiteOptions options = SuiteOptions.builder().profile("""
                {"rate_limit": {"messages": 5, "window_ms": 60000}, "identity": "client",
                 "max_connections_per_client": 3, "max_connections_per_thread": 1, "thread_ttl_ms": 4000,
                 "heartbeat_interval_ms": 1000, "idle_close": true, "max_client_id_bytes": 64,
                 "broadcast_trigger": {"type": "event", "payload": {"event_type": "all", "data": {}}},
                 "auth_token": "t", "signing_secret": "s", "replay_protection": true}
                """).build();
        ServerProfile server = options.server();
        assertThat(server.rateLimitMessages()).isEqualTo(5);
        assertThat(server.rateLimitWindow()).isEqualTo(Duration.ofMinutes(1));
        assertThat(server.identity()).isEqualTo(ServerProfile.Identity.CLIENT);
        assertThat(server.maxConnectionsPerClient()).isEqualTo(3);
        assertThat(server.maxConnectionsPerThread()).isEqualTo(1);
        assertThat(server.threadTtl()).isEqualTo(Duration.ofSeconds(4));
        assertThat(server.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(server.idleClose()).isTrue();
        assertThat(server.maxClientIdBytes()).isEqualTo(64);
        assertThat(server.broadcastTrigger().get("type").getAsString()).isEqualTo("event");
        assertThat(options.authToken()).isEqualTo("t");
        assertThat(options.signingSecret()).isEqualTo("s");
        assertThat(options.replayProtection()).isTrue();
        assertThat(options.parallelism()).as("identity client: cases may still run side by side").isEqualTo(6);
    }

    @Test
    @DisplayName("with a token and a per-client cap, every connection is one client: cases run one at a time")
    void tokenAndClientCapRunSequentially() {
        SuiteOptions options = SuiteOptions.builder().profile("{\"max_connections_per_client\": 2}")
                .authToken("t").build();
        assertThat(options.identity()).isEqualTo(ServerProfile.Identity.TOKEN);
        assertThat(options.parallelism()).isEqualTo(1);
    }

    @Test
    @DisplayName("a misspelt key, a wrong type or a negative number is refused with the key's name")
    void refusesBadProfiles() {
        assertThatThrownBy(() -> ServerProfile.parse("{\"rate_limits\": 5}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown profile key \"rate_limits\"");
        assertThatThrownBy(() -> ServerProfile.parse("{\"thread_ttl_ms\": \"3s\"}"))
                .hasMessageContaining("thread_ttl_ms must be a non-negative integer");
        assertThatThrownBy(() -> ServerProfile.parse("{\"max_connections_per_thread\": -1}"))
                .hasMessageContaining("max_connections_per_thread");
        assertThatThrownBy(() -> ServerProfile.parse("{\"identity\": \"ip\"}"))
                .hasMessageContaining("thread, client or token");
        assertThatThrownBy(() -> ServerProfile.parse("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> ServerProfile.parse("{\"rate_limit\": 5}")).hasMessageContaining("rate_limit");
    }

    @Test
    @DisplayName("--profile reads the file; a bad one is a usage error (exit 2) naming the problem")
    void commandLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"idle_close\": \"yes\"}");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        int status = ConformanceMain.run(new String[] {"server", "ws://127.0.0.1:1/", "--profile", bad.toString()},
                quiet, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("idle_close must be true or false");
        int missing = ConformanceMain.run(new String[] {"server", "ws://127.0.0.1:1/", "--profile",
                dir.resolve("none.json").toString()}, quiet, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(missing).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Cannot read the profile");
    }
}
