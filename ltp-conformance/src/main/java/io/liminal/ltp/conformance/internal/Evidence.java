package io.liminal.ltp.conformance.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a case saw, in order, with the time since the case started: frames sent ({@code >}) and received
 * ({@code <}), closes and notes. Long frames are shortened; the size is kept.
 */
public final class Evidence {
    private static final int MAX_FRAME_CHARS = 400;
    private final long startNanos = System.nanoTime();
    private final List<String> lines = new ArrayList<>();

    /** Records a line for {@code who} (a connection name). */
    public void add(String who, String arrow, String text) {
        String shown = text.length() <= MAX_FRAME_CHARS ? text
                : text.substring(0, MAX_FRAME_CHARS) + "… (" + text.length() + " chars)";
        String line = String.format(Locale.ROOT, "+%6d ms %-9s %s %s", (System.nanoTime() - startNanos) / 1_000_000,
                who, arrow, shown);
        synchronized (lines) {
            lines.add(line);
        }
    }

    /** Records a note that is not a frame. */
    public void note(String text) {
        add("suite", "#", text);
    }

    /** Everything recorded so far. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Milliseconds since the case started. */
    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
