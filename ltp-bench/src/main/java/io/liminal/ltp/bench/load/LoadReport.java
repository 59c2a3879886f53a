package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one load run measured.
 *
 * @param replies answers to the load in the measurement window
 * @param heartbeatReplies answers to heartbeats sent beside the load ({@code --message event})
 * @param unanswered requests never answered: outstanding at the end after a grace period, or outstanding on a
 *     connection when it dropped
 * @param drops connections that closed without the generator asking
 * @param reconnects sessions that resumed after a drop
 * @param reconnectFailures reconnect attempts that could not connect
 * @param hostStealPercent CPU time the hypervisor gave to others during the window, in percent of all; -1 unknown
 * @param warmupSeconds how long the load ran before the window opened
 * @param settled false when an open-loop warm-up never had a second at the offered rate ({@code --settle})
 */
public record LoadReport(
        LoadOptions options,
        double seconds,
        long sent,
        long replies,
        long heartbeatReplies,
        long errors,
        long lateReplies,
        long unanswered,
        long drops,
        long reconnects,
        long reconnectFailures,
        Histogram latencyMicros,
        double handshakesPerSecond,
        Histogram handshakeMicros,
        double serverCpuNanosPerMessage,
        double hostStealPercent,
        double warmupSeconds,
        boolean settled,
        long serverRssBefore,
        long serverRssDuring,
        long serverLiveHeapBefore,
        long serverLiveHeapDuring,
        ServerMetricsReading serverMetrics) {

    /** Replies per second in the measurement window. */
    public double messagesPerSecond() {
        return replies / seconds;
    }

    /** Server RSS growth per session in bytes (sessions connected before measuring), or -1. */
    public double rssPerSession() {
        return serverRssBefore < 0 || serverRssDuring < 0 ? -1
                : (double) (serverRssDuring - serverRssBefore) / options.sessions;
    }

    /** Live server heap (after a full GC) per session in bytes, or -1 when not measured. */
    public double liveHeapPerSession() {
        return serverLiveHeapBefore < 0 || serverLiveHeapDuring < 0 ? -1
                : (double) (serverLiveHeapDuring - serverLiveHeapBefore) / options.sessions;
    }

    double percentileMillis(Histogram histogram, double percentile) {
        return histogram == null || histogram.getTotalCount() == 0 ? Double.NaN
                : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    /** A human-readable summary. */
    public String toText() {
        Histogram h = latencyMicros != null ? latencyMicros : handshakeMicros;
        return String.format(Locale.ROOT, "[%s] mode=%s message=%s sessions=%d %.1fs: %,.0f msg/s (%d replies, "
                        + "%d sent, %d heartbeat replies) after %.1fs warm-up%s, latency p50=%.3f p99=%.3f p99.9=%.3f max=%.3f ms, "
                        + "late>1s=%d, unanswered=%d, errors=%d, drops=%d, reconnects=%d (%d failed), "
                        + "handshakes/s=%,.0f, server cpu/msg=%.0f ns, host steal %.1f%%, server rss=%.1f MiB "
                        + "(%.0f B/session), live heap %.0f B/session, /metrics: %.0f connections, heap %.0f B/session",
                options.label, options.mode, options.message, options.sessions, seconds, messagesPerSecond(), replies,
                sent, heartbeatReplies, warmupSeconds, settled ? "" : " (not settled)", percentileMillis(h, 50), percentileMillis(h, 99), percentileMillis(h, 99.9),
                h == null || h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0, lateReplies, unanswered,
                errors, drops, reconnects, reconnectFailures, handshakesPerSecond, serverCpuNanosPerMessage,
                hostStealPercent, serverRssDuring / 1048576.0, rssPerSession(), liveHeapPerSession(),
                serverMetrics.addedConnections(), serverMetrics.heapPerSession());
    }

    /** The report as one JSON object (for the benchmark script). */
    public String toJson() {
        Histogram h = latencyMicros != null ? latencyMicros : handshakeMicros;
        JsonObject json = new JsonObject();
        json.addProperty("label", options.label);
        json.addProperty("mode", options.mode.name().toLowerCase(Locale.ROOT));
        json.addProperty("message", options.message.name().toLowerCase(Locale.ROOT));
        json.addProperty("sessions", options.sessions);
        json.addProperty("target_rate", options.rate);
        json.addProperty("seconds", seconds);
        json.addProperty("warmup_seconds", warmupSeconds);
        json.addProperty("settled", settled);
        json.addProperty("sent", sent);
        json.addProperty("replies", replies);
        json.addProperty("heartbeat_replies", heartbeatReplies);
        json.addProperty("messages_per_second", messagesPerSecond());
        json.addProperty("p50_ms", percentileMillis(h, 50));
        json.addProperty("p99_ms", percentileMillis(h, 99));
        json.addProperty("p999_ms", percentileMillis(h, 99.9));
        json.addProperty("max_ms", h == null || h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0);
        json.addProperty("late_replies", lateReplies);
        json.addProperty("unanswered", unanswered);
        json.addProperty("errors", errors);
        json.addProperty("drops", drops);
        json.addProperty("reconnects", reconnects);
        json.addProperty("reconnect_failures", reconnectFailures);
        json.addProperty("handshakes_per_second", handshakesPerSecond);
        json.addProperty("server_cpu_ns_per_message", serverCpuNanosPerMessage);
        json.addProperty("host_steal_percent", hostStealPercent);
        json.addProperty("server_rss_before", serverRssBefore);
        json.addProperty("server_rss_during", serverRssDuring);
        json.addProperty("rss_bytes_per_session", rssPerSession());
        json.addProperty("live_heap_bytes_per_session", liveHeapPerSession());
        json.addProperty("metrics_connections", serverMetrics.addedConnections());
        json.addProperty("metrics_heap_bytes_per_session", serverMetrics.heapPerSession());
        return json.toString();
    }
}
