package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The durable path of a running server, driven the way ltp-client drives it ({@link DeliverySessions}: numbered
 * events, cumulative acks both ways), from its own process so that the load costs the server nothing: first the
 * peak with {@code window} events in flight per session, then the latency at half of it (or at {@code --rate}).
 * The server answers each event with one reply (BenchServer, {@code -Dltp.bench.store=...} for the store).
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.load.DeliveryLoad --url ws://127.0.0.1:18080/
 *     [--sessions 100] [--window 8] [--seconds 10] [--warmup S] [--no-delivery] [--rate R] [--server-pid PID]
 *     [--store-pid PID] [--label L] [--store KIND] [--server-batch N] [--json FILE]</pre>
 *
 * <p>{@code --warmup} is the closed-loop warm-up in seconds (default: a third of {@code --seconds}, at least 2);
 * {@code --store} and {@code --server-batch} (the server's {@code deliveryBatch}) only describe the server in the
 * JSON result. {@code --store-pid} reports the CPU per
 * message of the store's own server at the peak (a single-process store on the same host, such as Redis).
 */
public final class DeliveryLoad {
    private static final long SELF = ProcessHandle.current().pid();

    private DeliveryLoad() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        URI url = URI.create("ws://127.0.0.1:18080/");
        int sessions = 100;
        int window = 8;
        int seconds = 10;
        int warmup = -1;
        boolean delivery = true;
        double rate = 0;
        long serverPid = -1;
        long storePid = -1;
        String label = "durable";
        String store = "memory";
        String json = null;
        int serverBatch = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = URI.create(args[++i]);
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--no-delivery" -> delivery = false;
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
                case "--store-pid" -> storePid = Long.parseLong(args[++i]);
                case "--label" -> label = args[++i];
                case "--store" -> store = args[++i];
                case "--json" -> json = args[++i];
                case "--server-batch" -> serverBatch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; usage: --url URL "
                        + "[--sessions N] [--window N] [--seconds N] [--warmup N] [--no-delivery] [--rate R] "
                        + "[--server-pid PID] [--store-pid PID] "
                        + "[--label L] [--store KIND] [--server-batch N] [--json FILE]");
            }
        }
        try (DeliverySessions load = new DeliverySessions(url, delivery, 1)) {
            load.connect(sessions, 500).get(60, TimeUnit.SECONDS);
            Phase warm = closedLoop(load, window, warmup >= 0 ? warmup : Math.max(2, seconds / 3), serverPid,
                    storePid);
            Phase peak = closedLoop(load, window, seconds, serverPid, storePid);
            double offered = rate > 0 ? rate : peak.perSecond / 2;
            load.latency.reset();
            long before = load.answered.sum();
            long start = System.nanoTime();
            load.openLoop(offered);
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            load.stopSending();
            long unanswered = load.awaitAnswered(30, TimeUnit.SECONDS);
            double achieved = (load.answered.sum() - before) * 1e9 / (System.nanoTime() - start);
            Histogram latency = load.latency.getIntervalHistogram();
            boolean clean = unanswered == 0 && load.errors.sum() == 0 && load.drops.sum() == 0;
            String line = String.format(Locale.ROOT, "%s: peak %,.0f msg/s (%d sessions, %d in flight each%s%s); at "
                    + "%,.0f msg/s: %,.0f answered/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms%s%s", label,
                    peak.perSecond, sessions, window, peak.cpuMicrosPerMessage < 0 ? ""
                            : String.format(Locale.ROOT, ", server CPU %.1f us/msg", peak.cpuMicrosPerMessage),
                    (peak.storeCpuMicrosPerMessage < 0 ? ""
                            : String.format(Locale.ROOT, ", store CPU %.1f us/msg", peak.storeCpuMicrosPerMessage))
                            + String.format(Locale.ROOT, ", load CPU %.1f us/msg", peak.loadCpuMicrosPerMessage),
                    offered, achieved, latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                    latency.getMaxValue() / 1e6, clean ? "" : String.format(Locale.ROOT, " [unanswered %d, errors "
                            + "%d, drops %d]", unanswered, load.errors.sum(), load.drops.sum()),
                    warm.perSecond > 0 ? "" : " [no warm-up traffic]");
            System.out.println(line);
            if (json != null) {
                JsonObject result = new JsonObject();
                result.addProperty("label", label);
                result.addProperty("store", store);
                result.addProperty("delivery", delivery);
                result.addProperty("server_delivery_batch", serverBatch);
                result.addProperty("sessions", sessions);
                result.addProperty("peak_per_second", peak.perSecond);
                if (peak.cpuMicrosPerMessage >= 0) {
                    result.addProperty("server_cpu_us_per_message", peak.cpuMicrosPerMessage);
                }
                if (peak.storeCpuMicrosPerMessage >= 0) {
                    result.addProperty("store_cpu_us_per_message", peak.storeCpuMicrosPerMessage);
                }
                result.addProperty("load_cpu_us_per_message", peak.loadCpuMicrosPerMessage);
                result.addProperty("half_load_offered", offered);
                result.addProperty("half_load_per_second", achieved);
                result.addProperty("p50_ms", latency.getValueAtPercentile(50) / 1e6);
                result.addProperty("p99_ms", latency.getValueAtPercentile(99) / 1e6);
                result.addProperty("clean", clean);
                Files.writeString(Path.of(json), result + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            if (!clean) {
                System.exit(2);
            }
        }
    }

    /** A closed-loop phase: its rate and the CPU per message of the server and the store ({@code -1}: unknown). */
    private record Phase(double perSecond, double cpuMicrosPerMessage, double storeCpuMicrosPerMessage,
            double loadCpuMicrosPerMessage) {
    }

    private static Phase closedLoop(DeliverySessions load, int window, int seconds, long serverPid, long storePid)
            throws InterruptedException {
        long before = load.answered.sum();
        long cpuBefore = cpu(serverPid);
        long storeCpuBefore = cpu(storePid);
        long loadCpuBefore = cpu(SELF);
        long start = System.nanoTime();
        load.closedLoop(window);
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        long answered = load.answered.sum() - before;
        long elapsed = System.nanoTime() - start;
        long cpu = cpu(serverPid) - cpuBefore;
        long storeCpu = cpu(storePid) - storeCpuBefore;
        long loadCpu = cpu(SELF) - loadCpuBefore;
        load.closedLoop(0);
        load.awaitAnswered(30, TimeUnit.SECONDS);
        return new Phase(answered * 1e9 / elapsed, perMessage(serverPid, cpu, answered),
                perMessage(storePid, storeCpu, answered), perMessage(SELF, loadCpu, answered));
    }

    private static double perMessage(long pid, long cpuNanos, long messages) {
        return pid > 0 && messages > 0 ? cpuNanos / 1e3 / messages : -1;
    }

    private static long cpu(long pid) {
        try {
            return pid > 0 ? ProcessStats.cpuNanos(pid) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
