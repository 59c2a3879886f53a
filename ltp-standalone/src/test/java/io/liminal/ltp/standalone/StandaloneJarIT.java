package io.liminal.ltp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.testing.WsTestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the built jar the way the README does, as its own process. */
@Timeout(120)
class StandaloneJarIT {
    private static final Pattern LISTENING = Pattern.compile("listening on ws://localhost:(\\d+)/");

    static Process start(String... env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", System.getProperty("standalone.jar"))
                .redirectErrorStream(true);
        builder.environment().put("PORT", "0");
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        return builder.start();
    }

    static int awaitPort(Process process) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // the rest of the log: read so the process never blocks on a full pipe
                        }
                    } catch (IOException streamClosed) {
                        // the test destroyed the process: nothing more to read
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new AssertionError("The server did not start:\n" + seen);
    }

    @Test
    @DisplayName("java -jar ltp-server-<v>-standalone.jar serves LTP with the reference handler, health, and stops on SIGTERM")
    void runsAndStops() throws Exception {
        Process process = start();
        try {
            int port = awaitPort(process);
            try (WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + "/"))) {
                JsonObject ack = JsonParser.parseString(client.send(
                        "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"smoke\"}").next())
                        .getAsJsonObject();
                assertThat(ack.get("type").getAsString()).isEqualTo("handshake_ack");
                client.send("{\"type\":\"event\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                        + "\",\"session_id\":\"" + ack.get("session_id").getAsString()
                        + "\",\"timestamp\":1731600000,\"payload\":{\"event_type\":\"user_action\",\"data\":{}}}");
                JsonObject reply = JsonParser.parseString(client.next()).getAsJsonObject();
                assertThat(reply.getAsJsonObject("payload").get("event_type").getAsString()).isEqualTo("event_received");
            }
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("an invalid setting stops the start with exit code 2 and a message naming it")
    void invalidConfiguration() throws Exception {
        Process process = start("LTP_HEARTBEAT_MS", "soon");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output).contains("LTP_HEARTBEAT_MS").contains("soon");
    }

    @Test
    @DisplayName("--help lists every setting")
    void help() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-jar", System.getProperty("standalone.jar"), "--help")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("PORT", "LTP_STORE", "LTP_TLS_CERT", "LTP_AUTH_JWT_SECRET", "LTP_ADMIN_TOKEN");
    }
}
