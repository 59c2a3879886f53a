package io.liminal.ltp.bench.report;

import static io.liminal.ltp.bench.report.PerformanceReport.median;
import static io.liminal.ltp.bench.report.PerformanceReport.num;
import static io.liminal.ltp.bench.report.PerformanceReport.percentTruncated;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The delivery-v1 sections of {@link PerformanceReport}: the durable path per store ({@code DeliveryLoad}'s
 * results) and the reconnect storm ({@code ReconnectStorm}'s), with their targets.
 */
final class DurableSections {
    private final PerformanceReport report;
    /** DeliveryLoad results, one per store, in run order. */
    private final List<JsonObject> durable;
    /** LoadGenerator results of the baseline echo server at each configuration's latency rate. */
    private final List<JsonObject> floors;
    /** ReconnectStorm results, in run order. */
    private final List<JsonObject> storms;

    DurableSections(PerformanceReport report, List<JsonObject> durable, List<JsonObject> floors,
            List<JsonObject> storms) {
        this.report = report;
        this.durable = durable;
        this.floors = floors;
        this.storms = storms;
    }

    /**
     * The baseline echo server's p99 at the rate {@code run}'s latency was measured at (label
     * {@code floor:<label>:<batch>}), or {@code NaN} when it was not measured.
     */
    private double floorP99(JsonObject run) {
        String key = "floor:" + run.get("label").getAsString() + ":"
                + (run.has("server_delivery_batch") ? run.get("server_delivery_batch").getAsInt() : 1);
        for (JsonObject floor : floors) {
            if (floor.get("label").getAsString().equals(key)) {
                return num(floor, "p99_ms");
            }
        }
        return Double.NaN;
    }

    /** {@code " (bare echo at the same rate: x ms)"}, the floor's p99, or empty when it was not measured. */
    private String floorNote(JsonObject run) {
        double floor = floorP99(run);
        return Double.isNaN(floor) ? ""
                : String.format(Locale.ROOT, " (bare echo at the same rate: %.2f ms)", floor);
    }

    /** What each store configuration keeps, as the durable section states it. */
    private static String durability(String store) {
        return switch (store) {
            case "memory" -> "none: the process's memory";
            case "sqlite" -> "process crash (WAL, `synchronous=NORMAL`; the last commits can go with a power loss)";
            case "postgresql" -> "as the server is configured (here `synchronous_commit=on`: each commit on disk)";
            case "postgresql-async" -> "an LTP server crash (`synchronous_commit=off` on the store's connections: a "
                    + "database crash or power loss can take the last commits, up to about 0.6 s)";
            case "redis" -> "as Redis is configured (here no RDB or AOF: a Redis restart loses everything)";
            default -> "see docs/durability.md";
        };
    }

    /** The server's CPU per message, and the store's own when it was measured ({@code DeliveryLoad --store-pid}). */
    private static String cpu(JsonObject run) {
        if (!run.has("server_cpu_us_per_message")) {
            return "-";
        }
        String server = String.format(Locale.ROOT, "%.0f us", num(run, "server_cpu_us_per_message"));
        return !run.has("store_cpu_us_per_message") ? server : String.format(Locale.ROOT, "%s (+ %.0f us in %s)",
                server, num(run, "store_cpu_us_per_message"), run.get("store").getAsString());
    }

    /** {@code " (batches of n)"} for a server run with {@code deliveryBatch(n)}, n > 1; else empty. */
    private static String batchNote(JsonObject run) {
        int batch = run.has("server_delivery_batch") ? run.get("server_delivery_batch").getAsInt() : 1;
        return batch > 1 ? " (batches of " + batch + ")" : "";
    }

    void durablePath() {
        if (durable.isEmpty()) {
            return;
        }
        line("## Durable path: delivery-v1, a reply per message");
        line();
        line("`DeliveryLoad` (its own process, Netty, the protocol of ltp-client: numbered events, cumulative acks "
                + "both ways: the server's at once, one per read burst; the client's every 32 replies or 50 ms after "
                + "the first it has not acknowledged, as docs/extensions/delivery-v1.md §3 says) drives 100 "
                + "delivery-v1 sessions against `BenchServer` on each store; the reference handler answers each event with a reply. Each message is numbered, handed "
                + "to the handler once, committed *together with its reply* (the transactional outbox of "
                + "docs/durability.md), acknowledged; the reply is numbered, logged, delivered and acknowledged. On "
                + "a blocking store (SQLite, PostgreSQL, Redis) the commits of all threads that wait together go to "
                + "the store in one call (group commit: one transaction, or one pipelined round trip for Redis), and "
                + "a lane waits for its commit without a thread. Peak: 8 messages in flight per session; latency: "
                + "at half the peak, in open loop, from each event's scheduled send time to its reply (a late "
                + "generator is measured, not hidden), in a window that opens once the open loop has had one whole "
                + "second at the offered rate (at most 30 s later; *not settled* when it never did). *Echo floor* "
                + "is this host's floor at the same rate: the bare Netty echo server (the baseline of the sections "
                + "above: no LTP, no store) under an open loop of 100 sessions at that rate (`LoadGenerator`, pings), "
                + "run right after; on 2 shared cores the server and the generator queue behind each other, and no "
                + "LTP server should expect a p99 below it. The store's server (PostgreSQL, Redis) shares the "
                + "2 cores; Redis's own CPU per message is shown beside the server's, and the load generator's after it "
                + "(it shares the cores, so its cost is part of every peak). Rows marked *batches of n* run the "
                + "server with `deliveryBatch(n)`: a thread stores up to n messages of its client that were read "
                + "while it was busy in one commit (docs/durability.md, \"Batched commits\"; the same durability, "
                + "but after a crash up to n messages per client come back marked `possibleRedelivery`).");
        line();
        boolean anyFloor = !floors.isEmpty();
        line("| Configuration | Survives | Peak msg/s | Server CPU/msg | Load CPU/msg | At half: msg/s | p50 ms | "
                + "p99 ms |" + (anyFloor ? " Echo floor p99 ms |" : ""));
        line("|---|---|---|---|---|---|---|---|" + (anyFloor ? "---|" : ""));
        for (JsonObject run : durable) {
            String label = run.get("label").getAsString().substring("durable-".length());
            String store = run.get("store").getAsString();
            boolean delivery = run.get("delivery").getAsBoolean();
            line(String.format(Locale.ROOT, "| %s%s%s | %s | %,.0f | %s | %s | %,.0f | %.2f | %.2f%s |", label,
                    delivery ? "" : " (plain v0.3: no delivery-v1, nothing logged)", batchNote(run),
                    delivery ? durability(store) : "nothing", num(run, "peak_per_second"),
                    cpu(run), run.has("load_cpu_us_per_message")
                            ? String.format(Locale.ROOT, "%.1f us", num(run, "load_cpu_us_per_message")) : "-",
                    num(run, "half_load_per_second"), num(run, "p50_ms"), num(run, "p99_ms"),
                    run.has("half_load_settled") && !run.get("half_load_settled").getAsBoolean()
                            ? " (not settled)" : "")
                    + (!anyFloor ? "" : Double.isNaN(floorP99(run)) ? " - |"
                            : String.format(Locale.ROOT, " %.2f |", floorP99(run))));
        }
        line();
        // In-memory with and without delivery-v1 run in alternating rounds: the target is the median round's ratio.
        List<JsonObject> plainRounds = new ArrayList<>();
        List<JsonObject> deliveryRounds = new ArrayList<>();
        for (JsonObject run : durable) {
            if (run.get("store").getAsString().equals("memory")) {
                (run.get("delivery").getAsBoolean() ? deliveryRounds : plainRounds).add(run);
            }
        }
        List<Double> ratios = new ArrayList<>();
        String unit = "rounds";
        for (JsonObject run : deliveryRounds) {
            if (run.has("pair_ratios")) { // DeliveryLoad --pairs: both kinds alternating on one server
                run.getAsJsonArray("pair_ratios").forEach(r -> ratios.add(r.getAsDouble()));
                unit = "pairs";
            }
        }
        if (ratios.isEmpty()) { // separate server runs, round by round
            for (int i = 0; i < Math.min(plainRounds.size(), deliveryRounds.size()); i++) {
                ratios.add(num(deliveryRounds.get(i), "peak_per_second") / num(plainRounds.get(i), "peak_per_second"));
            }
        }
        if (!ratios.isEmpty()) {
            double ratio = median(ratios);
            String measured = percentTruncated(ratio);
            if (ratios.size() > 1) {
                List<String> each = new ArrayList<>();
                ratios.forEach(r -> each.add(percentTruncated(r)));
                measured += " (median of " + ratios.size() + " " + unit + ": " + String.join(", ", each) + ")";
            }
            target("Durable: in-memory store with delivery-v1 ≥ 85% of the peak without it", measured, ratio >= 0.85);
        }
        if (!deliveryRounds.isEmpty()) {
            List<Double> p99s = new ArrayList<>();
            deliveryRounds.forEach(run -> p99s.add(num(run, "p99_ms")));
            double p99 = median(p99s);
            target("Durable: memory p99 < 20 ms at half its peak", String.format(Locale.ROOT, "%.2f ms%s%s", p99,
                    p99s.size() > 1 ? " (median of " + p99s.size() + " rounds)" : "",
                    deliveryRounds.size() == 1 ? floorNote(deliveryRounds.get(0)) : ""), p99 < 20);
        }
        for (JsonObject run : durable) {
            String store = run.get("store").getAsString();
            if (!run.get("delivery").getAsBoolean() || store.equals("memory")) {
                continue;
            }
            double peak = num(run, "peak_per_second");
            int wanted = switch (store) {
                case "redis" -> 25_000;
                case "postgresql", "postgresql-async", "sqlite" -> 15_000;
                default -> 0;
            };
            if (wanted > 0) {
                target(String.format(Locale.ROOT, "Durable: %s%s ≥ %,d msg/s", store, batchNote(run), wanted),
                        String.format(Locale.ROOT, "%,.0f msg/s", peak), peak >= wanted);
            }
            target(String.format(Locale.ROOT, "Durable: %s%s p99 < 20 ms at half its peak", store, batchNote(run)),
                    String.format(Locale.ROOT, "%.2f ms%s", num(run, "p99_ms"), floorNote(run)),
                    num(run, "p99_ms") < 20);
        }
    }

    void reconnectStorm() {
        if (storms.isEmpty()) {
            return;
        }
        line("## Reconnect storm: a node restarts under 10,000 delivery-v1 sessions");
        line();
        line("`ReconnectStorm`: 10,000 sessions (`DeliverySessions`: ltp-client's protocol and default backoff, 1 s "
                + "doubling, 10 % jitter) on `BenchServer` with SQLite send 2,000 events/s for 5 s; the server is "
                + "killed (SIGKILL) and started again on the same file. Every session reconnects by itself, resumes, "
                + "resends what was not processed and gets the replies it missed. Times are from the restart (the "
                + "new process listening); CPU per resume and per first handshake are both measured from a cold "
                + "process. A refusal is the server shedding handshakes past `maxPendingHandshakes` (1008 Server at "
                + "capacity; the client retries with its backoff).");
        line();
        line("| Run | Events | Unanswered at the kill | Last resumed | Last caught up | CPU/resume | CPU/init | "
                + "Refused | Missing a message |");
        line("|---|---|---|---|---|---|---|---|---|");
        for (JsonObject run : storms) {
            line(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.1f s | %.1f s | %.0f us | %.0f us | %,.0f | "
                    + "%,.0f |", run.get("label").getAsString(), num(run, "events"), num(run, "unanswered_at_kill"),
                    num(run, "last_resumed_s"), num(run, "last_caught_up_s"), num(run, "cpu_us_per_resume"),
                    num(run, "cpu_us_per_init"), num(run, "refused"), num(run, "sessions_missing_a_message")));
        }
        line();
        for (JsonObject run : storms) {
            String label = run.get("label").getAsString();
            double ratio = num(run, "cpu_us_per_resume") / num(run, "cpu_us_per_init");
            target("Reconnect storm (" + label + "): all resumed within 10 s of the restart",
                    String.format(Locale.ROOT, "%.1f s", num(run, "last_caught_up_s")),
                    num(run, "last_caught_up_s") <= 10);
            target("Reconnect storm (" + label + "): CPU per resume ≤ 1.3x per init",
                    String.format(Locale.ROOT, "%.2fx", ratio), ratio <= 1.3);
            target("Reconnect storm (" + label + "): zero loss",
                    String.format(Locale.ROOT, "%,.0f sessions missing a message, %,.0f never caught up",
                            num(run, "sessions_missing_a_message"), num(run, "never_caught_up")),
                    num(run, "sessions_missing_a_message") == 0 && num(run, "never_caught_up") == 0);
        }
    }

    private void line(String text) {
        report.line(text);
    }

    private void line() {
        report.line();
    }

    private void target(String name, String measured, boolean met) {
        report.target(name, measured, met);
    }
}
