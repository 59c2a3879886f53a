package io.liminal.ltp.bench.load;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.liminal.ltp.bench.report.PerformanceReport;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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
 *     [--sessions 100] [--window 8] [--seconds 10] [--warmup S] [--no-delivery] [--pairs N] [--rate R]
 *     [--server-pid PID] [--store-pid PID] [--label L] [--store KIND] [--server-batch N] [--json FILE]
 *     [--settle S] [--timeline]</pre>
 *
 * <p>{@code --warmup} is the closed-loop warm-up in seconds (default: a third of {@code --seconds}, at least 2);
 * {@code --store} and {@code --server-batch} (the server's {@code deliveryBatch}) only describe the server in the
 * JSON result. {@code --store-pid} reports the CPU per message of the store's own server at the peak (a
 * single-process store on the same host, such as Redis). Before the latency window the open loop runs until one
 * whole second sent and answered the offered rate, at most {@code --settle} seconds (default 30);
 * {@code --timeline} prints each second of the window (answered, p99, max) to stderr, to find stalls.
 *
 * <p>{@code --pairs N} compares delivery-v1 with plain v0.3 on the same server: {@code sessions} sessions of each
 * kind, both warmed up, then N pairs of closed-loop phases of {@code --seconds} each, plain and delivery-v1 in
 * turn (ABBA order). A pair's phases are seconds apart, so a drift in the host's speed, which separate server runs
 * minutes apart cannot tell from the code's cost, weighs on both alike. Writes a row for each kind (medians over
 * the phases, latency at half of each kind's median peak), the delivery row with each pair's ratio.
 */
public final class DeliveryLoad {
    private static final long SELF = ProcessHandle.current().pid();

    private DeliveryLoad() {
    }

    /** What the command line asked for. */
    private static final class Options {
        URI url = URI.create("ws://127.0.0.1:18080/");
        int sessions = 100;
        int window = 8;
        int seconds = 10;
        int warmup = -1;
        boolean delivery = true;
        int pairs;
        double rate;
        long serverPid = -1;
        long storePid = -1;
        String label = "durable";
        String store = "memory";
        String json;
        int serverBatch = 1;
        int settleSeconds = 30;
        boolean timeline;

        int warmupSeconds() {
            return warmup >= 0 ? warmup : Math.max(2, seconds / 3);
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> o.url = URI.create(args[++i]);
                case "--sessions" -> o.sessions = Integer.parseInt(args[++i]);
                case "--window" -> o.window = Integer.parseInt(args[++i]);
                case "--seconds" -> o.seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> o.warmup = Integer.parseInt(args[++i]);
                case "--no-delivery" -> o.delivery = false;
                case "--pairs" -> o.pairs = Integer.parseInt(args[++i]);
                case "--rate" -> o.rate = Double.parseDouble(args[++i]);
                case "--server-pid" -> o.serverPid = Long.parseLong(args[++i]);
                case "--store-pid" -> o.storePid = Long.parseLong(args[++i]);
                case "--label" -> o.label = args[++i];
                case "--store" -> o.store = args[++i];
                case "--json" -> o.json = args[++i];
                case "--server-batch" -> o.serverBatch = Integer.parseInt(args[++i]);
                case "--settle" -> o.settleSeconds = Integer.parseInt(args[++i]);
                case "--timeline" -> o.timeline = true;
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; usage: --url URL "
                        + "[--sessions N] [--window N] [--seconds N] [--warmup N] [--no-delivery] [--pairs N] "
                        + "[--rate R] [--server-pid PID] [--store-pid PID] "
                        + "[--label L] [--store KIND] [--server-batch N] [--json FILE] [--settle S] [--timeline]");
            }
        }
        boolean clean = o.pairs > 0 ? runPairs(o) : runOne(o);
        if (!clean) {
            System.exit(2);
        }
    }

    private static boolean runOne(Options o) throws Exception {
        try (DeliverySessions load = new DeliverySessions(o.url, o.delivery, 1)) {
            load.connect(o.sessions, 500).get(60, TimeUnit.SECONDS);
            Phase warm = closedLoop(load, o.window, o.warmupSeconds(), o);
            Phase peak = closedLoop(load, o.window, o.seconds, o);
            return report(o, o.label, o.delivery, load, peak, warm.perSecond > 0, null);
        }
    }

    private static boolean runPairs(Options o) throws Exception {
        try (DeliverySessions plain = new DeliverySessions(o.url, false, 1);
                DeliverySessions delivery = new DeliverySessions(o.url, true, 1)) {
            plain.connect(o.sessions, 500).get(60, TimeUnit.SECONDS);
            delivery.connect(o.sessions, 500).get(60, TimeUnit.SECONDS);
            boolean warmed = closedLoop(plain, o.window, o.warmupSeconds(), o).perSecond > 0;
            warmed &= closedLoop(delivery, o.window, o.warmupSeconds(), o).perSecond > 0;
            List<Phase> plainPhases = new ArrayList<>();
            List<Phase> deliveryPhases = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int pair = 0; pair < o.pairs; pair++) {
                Phase p;
                Phase d;
                if (pair % 2 == 0) {
                    p = closedLoop(plain, o.window, o.seconds, o);
                    d = closedLoop(delivery, o.window, o.seconds, o);
                } else {
                    d = closedLoop(delivery, o.window, o.seconds, o);
                    p = closedLoop(plain, o.window, o.seconds, o);
                }
                plainPhases.add(p);
                deliveryPhases.add(d);
                ratios.add(d.perSecond / p.perSecond);
                System.out.printf(Locale.ROOT, "pair %d: plain %,.0f msg/s (server %.1f, load %.1f us/msg), "
                        + "delivery-v1 %,.0f msg/s (server %.1f, load %.1f us/msg): %.1f%%%n", pair + 1,
                        p.perSecond, p.cpuMicrosPerMessage, p.loadCpuMicrosPerMessage, d.perSecond,
                        d.cpuMicrosPerMessage, d.loadCpuMicrosPerMessage, 100 * d.perSecond / p.perSecond);
            }
            boolean clean = report(o, o.label + "-plain", false, plain, Phase.median(plainPhases), warmed, null);
            clean &= report(o, o.label, true, delivery, Phase.median(deliveryPhases), warmed, ratios);
            System.out.printf(Locale.ROOT, "%s: delivery-v1 at %.1f%% of plain (median of %d pairs)%n", o.label,
                    100 * PerformanceReport.median(ratios), ratios.size());
            return clean;
        }
    }

    /**
     * The latency at half the peak (or at {@code --rate}) on {@code load}, then the result line and JSON row.
     *
     * @param ratios each pair's delivery-to-plain ratio, for the delivery row of a paired run; else {@code null}
     */
    private static boolean report(Options o, String label, boolean delivery, DeliverySessions load, Phase peak,
            boolean warmed, List<Double> ratios) throws InterruptedException, IOException {
        double offered = o.rate > 0 ? o.rate : peak.perSecond / 2;
        load.openLoop(offered);
        double settleSeconds = settle(load, offered, o.settleSeconds);
        load.latency.reset();
        long before = load.answered.sum();
        long start = System.nanoTime();
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        for (int second = 1; second <= o.seconds; second++) {
            Thread.sleep(1000);
            Histogram interval = load.latency.getIntervalHistogram();
            latency.add(interval);
            if (o.timeline) {
                System.err.printf(Locale.ROOT, "%s second %d: %,d answered, p99 %.2f ms, max %.2f ms%n", label,
                        second, interval.getTotalCount(), interval.getValueAtPercentile(99) / 1e6,
                        interval.getMaxValue() / 1e6);
            }
        }
        long answeredInWindow = load.answered.sum() - before;
        double achieved = answeredInWindow * 1e9 / (System.nanoTime() - start);
        load.stopSending();
        long unanswered = load.awaitAnswered(30, TimeUnit.SECONDS);
        boolean clean = unanswered == 0 && load.errors.sum() == 0 && load.drops.sum() == 0;
        String line = String.format(Locale.ROOT, "%s: peak %,.0f msg/s (%d sessions, %d in flight each%s%s); at "
                + "%,.0f msg/s (settled after %.0f s%s): %,.0f answered/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms"
                + "%s%s", label,
                peak.perSecond, o.sessions, o.window, peak.cpuMicrosPerMessage < 0 ? ""
                        : String.format(Locale.ROOT, ", server CPU %.1f us/msg", peak.cpuMicrosPerMessage),
                (peak.storeCpuMicrosPerMessage < 0 ? ""
                        : String.format(Locale.ROOT, ", store CPU %.1f us/msg", peak.storeCpuMicrosPerMessage))
                        + String.format(Locale.ROOT, ", load CPU %.1f us/msg", peak.loadCpuMicrosPerMessage),
                offered, Math.abs(settleSeconds), settleSeconds < 0 ? ", never within 2%" : "", achieved,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                latency.getMaxValue() / 1e6, clean ? "" : String.format(Locale.ROOT, " [unanswered %d, errors "
                        + "%d, drops %d]", unanswered, load.errors.sum(), load.drops.sum()),
                warmed ? "" : " [no warm-up traffic]");
        System.out.println(line);
        if (o.json != null) {
            JsonObject result = new JsonObject();
            result.addProperty("label", label);
            result.addProperty("store", o.store);
            result.addProperty("delivery", delivery);
            result.addProperty("server_delivery_batch", o.serverBatch);
            result.addProperty("sessions", o.sessions);
            result.addProperty("peak_per_second", peak.perSecond);
            if (peak.cpuMicrosPerMessage >= 0) {
                result.addProperty("server_cpu_us_per_message", peak.cpuMicrosPerMessage);
            }
            if (peak.storeCpuMicrosPerMessage >= 0) {
                result.addProperty("store_cpu_us_per_message", peak.storeCpuMicrosPerMessage);
            }
            result.addProperty("load_cpu_us_per_message", peak.loadCpuMicrosPerMessage);
            if (ratios != null) {
                JsonArray each = new JsonArray();
                ratios.forEach(each::add);
                result.add("pair_ratios", each);
            }
            result.addProperty("half_load_offered", offered);
            result.addProperty("half_load_per_second", achieved);
            result.addProperty("half_load_settle_seconds", Math.abs(settleSeconds));
            result.addProperty("half_load_settled", settleSeconds >= 0);
            result.addProperty("p50_ms", latency.getValueAtPercentile(50) / 1e6);
            result.addProperty("p99_ms", latency.getValueAtPercentile(99) / 1e6);
            result.addProperty("clean", clean);
            Files.writeString(Path.of(o.json), result + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return clean;
    }

    /**
     * Lets the open loop run second by second until one whole second both sent and answered the offered rate
     * (within 2%), at most {@code maxSeconds}: the switch from the closed loop leaves a backlog, and a cold path
     * (the open loop's timers) falls behind the schedule at first; neither is the steady state the window
     * measures. The latency scenario of {@link LoadGenerator} settles the same way. Returns the seconds it took,
     * negated when it never settled.
     */
    static double settle(DeliverySessions load, double offered, int maxSeconds) throws InterruptedException {
        long from = System.nanoTime();
        for (int second = 0; second < maxSeconds; second++) {
            long sent = load.sent.sum();
            long answered = load.answered.sum();
            long start = System.nanoTime();
            Thread.sleep(1000);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (atRate((load.sent.sum() - sent) / seconds, offered)
                    && atRate((load.answered.sum() - answered) / seconds, offered)) {
                return (System.nanoTime() - from) / 1e9;
            }
        }
        return -(System.nanoTime() - from) / 1e9;
    }

    private static boolean atRate(double perSecond, double offered) {
        return Math.abs(perSecond - offered) <= Math.max(offered * LoadGenerator.SETTLED_TOLERANCE, 5);
    }

    /**
     * A closed-loop phase: its rate and the CPU per message of the server, the store and this process ({@code -1}:
     * unknown).
     */
    private record Phase(double perSecond, double cpuMicrosPerMessage, double storeCpuMicrosPerMessage,
            double loadCpuMicrosPerMessage) {
        /** Each figure's median over {@code phases}. */
        static Phase median(List<Phase> phases) {
            return new Phase(PerformanceReport.median(phases.stream().map(Phase::perSecond).toList()),
                    PerformanceReport.median(phases.stream().map(Phase::cpuMicrosPerMessage).toList()),
                    PerformanceReport.median(phases.stream().map(Phase::storeCpuMicrosPerMessage).toList()),
                    PerformanceReport.median(phases.stream().map(Phase::loadCpuMicrosPerMessage).toList()));
        }
    }

    private static Phase closedLoop(DeliverySessions load, int window, int seconds, Options o)
            throws InterruptedException {
        long before = load.answered.sum();
        long cpuBefore = cpu(o.serverPid);
        long storeCpuBefore = cpu(o.storePid);
        long loadCpuBefore = cpu(SELF);
        long start = System.nanoTime();
        load.closedLoop(window);
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        long answered = load.answered.sum() - before;
        long elapsed = System.nanoTime() - start;
        long cpu = cpu(o.serverPid) - cpuBefore;
        long storeCpu = cpu(o.storePid) - storeCpuBefore;
        long loadCpu = cpu(SELF) - loadCpuBefore;
        load.closedLoop(0);
        load.awaitAnswered(30, TimeUnit.SECONDS);
        return new Phase(answered * 1e9 / elapsed, perMessage(o.serverPid, cpu, answered),
                perMessage(o.storePid, storeCpu, answered), perMessage(SELF, loadCpu, answered));
    }

    private static double perMessage(long pid, long cpuNanos, long messages) {
        return pid > 0 && messages > 0 ? cpuNanos / 1e3 / messages : -1;
    }

    private static long cpu(long pid) {
        try {
            return pid > 0 ? ProcessStats.cpuNanos(pid) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
