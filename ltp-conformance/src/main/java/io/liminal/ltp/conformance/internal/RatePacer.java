package io.liminal.ltp.conformance.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the suite's traffic under a declared rate limit, so that the limit never decides a case about another
 * rule. Per identity (the thread, or the token when every connection presents the same one), it never lets more
 * than the declared number of counted messages fall inside any window of the declared length, plus a margin for
 * clocks and transit: stricter than a token bucket or a fixed window, so it stays under either. Handshakes and
 * pings are not counted (A-13; a server that counts pings gets an inconclusive case, never a failed one).
 * Handshakes are paced on their own, against a declared per-address handshake limit.
 */
public final class RatePacer {
    /** No limit declared: never waits. */
    static final RatePacer NONE = new RatePacer(0, null, 0, null);
    /** Handshakes all come from the suite's one address. */
    private static final Object ADDRESS = "address";

    private final Window messages;
    private final Window handshakes;

    RatePacer(int messages, Duration window, int handshakes, Duration handshakeWindow) {
        this.messages = new Window(messages, window);
        this.handshakes = new Window(handshakes, handshakeWindow);
    }

    /** Waits until the frame stays under the declared limits, then counts it. */
    void beforeSend(Object identity, String text) throws InterruptedException {
        String type = text.length() > 4096 ? null : Json.type(Json.objectOrNull(text));
        if ("handshake_init".equals(type) || "handshake_resume".equals(type)) {
            handshakes.acquire(ADDRESS);
        } else if (!"ping".equals(type)) {
            messages.acquire(identity);
        }
    }

    /** Counts a message sent regardless of the limit (the case that probes the limit itself). */
    void record(Object identity) {
        messages.record(identity);
    }

    /** A sliding window log: at most {@code limit} sends per identity within any window, with a margin. */
    private static final class Window {
        private final int limit;
        private final long windowNanos;
        private final Map<Object, ArrayDeque<Long>> sent = new HashMap<>();

        Window(int limit, Duration window) {
            this.limit = limit;
            this.windowNanos = window == null ? 0
                    : window.toNanos() + window.toNanos() / 10 + Duration.ofMillis(200).toNanos();
        }

        /** Waits until one more counted message for {@code identity} stays under the limit, then counts it. */
        void acquire(Object identity) throws InterruptedException {
            if (limit == 0) {
                return;
            }
            while (true) {
                long wait;
                synchronized (sent) {
                    ArrayDeque<Long> times = sent.computeIfAbsent(identity, key -> new ArrayDeque<>());
                    long now = System.nanoTime();
                    while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
                        times.pollFirst();
                    }
                    if (times.size() < limit) {
                        times.addLast(now);
                        return;
                    }
                    wait = windowNanos - (now - times.peekFirst());
                }
                Thread.sleep(Math.max(1, wait / 1_000_000));
            }
        }

        /** Counts a message sent regardless of the limit (the case that probes the limit itself). */
        void record(Object identity) {
            if (limit == 0) {
                return;
            }
            synchronized (sent) {
                sent.computeIfAbsent(identity, key -> new ArrayDeque<>()).addLast(System.nanoTime());
            }
        }
    }
}
