package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import io.liminal.ltp.bench.server.BenchServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node restart under {@code delivery-v1}: {@code sessions} clients ({@link DeliverySessions}, ltp-client's
 * protocol and default backoff) on a server with a durable store send events; the server process is killed
 * (SIGKILL) while some are in flight, and started again on the same store. Every client reconnects by itself,
 * resumes its thread, resends what the server had not processed and gets the replies it missed.
 *
 * <p>Reports the time from the restart until the last session resumed and until the last one caught up (every
 * event it ever sent processed and answered), the server's CPU per resume against per first handshake (both from a
 * cold process), and whether any session was refused or lost a message.
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.load.ReconnectStorm --store sqlite:/tmp/storm.db
 *     [--sessions 10000] [--rate 2000] [--port 18090] [--server-jvm "-Xmx1g ..."] [--label L] [--json FILE]</pre>
 */
public final class ReconnectStorm {
    private ReconnectStorm() {
    }

    /** Entry point; exits 2 when a session was refused, lost a message or never caught up. */
    public static void main(String[] args) throws Exception {
        String store = null;
        int sessions = 10_000;
        double rate = 2_000;
        int port = 18090;
        String serverJvm = "-Xms256m -Xmx1g";
        String json = null;
        String label = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--store" -> store = args[++i];
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--server-jvm" -> serverJvm = args[++i];
                case "--json" -> json = args[++i];
                case "--label" -> label = args[++i];
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; usage: --store SPEC "
                        + "[--sessions N] [--rate R] [--port P] [--server-jvm OPTIONS] [--label L] [--json FILE]");
            }
        }
        if (store == null || "memory".equals(store)) {
            throw new IllegalArgumentException(
                    "--store must name a durable store (sqlite:FILE, jdbc:..., redis://...)");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(Arrays.asList(serverJvm.trim().split("\\s+")));
        command.addAll(List.of("-Dltp.bench.store=" + store, "-cp", System.getProperty("java.class.path"),
                BenchServer.class.getName(), Integer.toString(port)));

        URI url = URI.create("ws://127.0.0.1:" + port + "/");
        boolean failed;
        Server first = Server.start(command);
        try (DeliverySessions load = new DeliverySessions(url, true, 1)) {
            long cpuBefore = first.cpu();
            long start = System.nanoTime();
            load.connect(sessions, 1_000).get(10, TimeUnit.MINUTES);
            double initSeconds = (System.nanoTime() - start) / 1e9;
            double cpuPerInit = (first.cpu() - cpuBefore) / 1e3 / sessions;
            System.err.printf(Locale.ROOT, "  %,d sessions connected in %.1f s (server CPU %.0f us per init)%n",
                    sessions, initSeconds, cpuPerInit);

            load.openLoop(rate);
            Thread.sleep(5_000);
            load.stopSending();
            long inFlight = load.unanswered();
            first.kill();
            Server second = Server.start(command);
            try {
                long restarted = System.nanoTime();
                long cpuRestart = second.cpu();
                int all = sessions;
                try {
                    load.when(() -> load.caughtUpSessions() == all).get(2, TimeUnit.MINUTES);
                } catch (TimeoutException e) {
                    // reported below as sessions that never caught up
                }
                double cpuPerResume = (second.cpu() - cpuRestart) / 1e3 / sessions;
                long[] resumed = load.sessions().stream().mapToLong(s -> s.ackedAtNanos - restarted).sorted()
                        .toArray();
                long[] caughtUp = load.sessions().stream()
                        .mapToLong(s -> s.caughtUpAtNanos == 0 ? Long.MAX_VALUE : s.caughtUpAtNanos - restarted)
                        .sorted().toArray();
                long behind = Arrays.stream(caughtUp).filter(t -> t == Long.MAX_VALUE).count();
                long lost = 0;
                for (DeliverySessions.Session session : load.sessions()) {
                    long events = session.nextSeq - 1;
                    if (session.processedByServer < events || session.replies < events) {
                        lost++;
                    }
                }
                long refused = load.rejects.sum();
                boolean clean = behind == 0 && lost == 0 && refused == 0 && load.errors.sum() == 0;
                String line = String.format(Locale.ROOT, "reconnect storm: %,d sessions on %s, %,d events (%,d "
                        + "unanswered at the kill); after the restart: last resumed at %.1f s (median %.1f s), last "
                        + "caught up at %.1f s; server CPU per resume %.0f us = %.2fx per init (%.0f us); "
                        + "refused %d, sessions missing a message %d, never caught up %d, replies replayed twice "
                        + "(dropped) %d", sessions, BenchServer.class.getSimpleName() + "+" + DurableLoad.kind(store),
                        load.sent.sum(), inFlight, seconds(resumed[resumed.length - 1]),
                        seconds(resumed[resumed.length / 2]), seconds(caughtUp[caughtUp.length - 1]), cpuPerResume,
                        cpuPerResume / cpuPerInit, cpuPerInit, refused, lost, behind, load.replayedAgain.sum());
                System.out.println(line);
                if (refused > 0) {
                    System.out.println("  refusals by code: " + load.rejectReasons);
                }
                if (json != null) {
                    JsonObject result = new JsonObject();
                    result.addProperty("label", label != null ? label : "reconnect-storm-" + DurableLoad.kind(store));
                    result.addProperty("server_jvm", serverJvm);
                    result.addProperty("sessions", sessions);
                    result.addProperty("events", load.sent.sum());
                    result.addProperty("unanswered_at_kill", inFlight);
                    result.addProperty("last_resumed_s", seconds(resumed[resumed.length - 1]));
                    result.addProperty("last_caught_up_s", seconds(caughtUp[caughtUp.length - 1]));
                    result.addProperty("cpu_us_per_resume", cpuPerResume);
                    result.addProperty("cpu_us_per_init", cpuPerInit);
                    result.addProperty("refused", refused);
                    result.addProperty("sessions_missing_a_message", lost);
                    result.addProperty("never_caught_up", behind);
                    Files.writeString(Path.of(json), result + "\n", StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
                failed = !clean;
            } finally {
                second.stop();
            }
        } finally {
            first.kill();
        }
        if (failed) {
            System.exit(2);
        }
    }

    private static double seconds(long nanos) {
        return nanos == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : nanos / 1e9;
    }

    /** A BenchServer process. */
    private record Server(Process process) {
        static Server start(List<String> command) throws IOException, InterruptedException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<Void> listening = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (line.contains("listening")) {
                            listening.complete(null);
                        }
                    }
                } catch (IOException e) {
                    // the process is gone
                }
                listening.completeExceptionally(new IllegalStateException("The server exited before listening"));
            }, "storm-server-output");
            reader.setDaemon(true);
            reader.start();
            try {
                listening.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                process.destroyForcibly();
                throw new IllegalStateException("The server did not start: " + e.getMessage(), e);
            }
            return new Server(process);
        }

        long cpu() throws IOException {
            return ProcessStats.cpuNanos(process.pid());
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
