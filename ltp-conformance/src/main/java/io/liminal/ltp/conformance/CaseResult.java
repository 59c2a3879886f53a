package io.liminal.ltp.conformance;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The result of one case.
 *
 * @param id the checklist ID of the spec ({@code LTP-HS-003}); several cases may check one item
 * @param name what the case checks, in a few words
 * @param level the requirement level of the item
 * @param outcome how the case ended
 * @param message why it failed, warned or was skipped; {@code null} when it passed
 * @param evidence the frames sent and received with their timings, oldest first (kept for every outcome)
 * @param duration how long the case ran
 */
public record CaseResult(String id, String name, Level level, Outcome outcome, String message,
        List<String> evidence, Duration duration) {

    /** Validates and freezes the components. */
    public CaseResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(outcome, "outcome");
        evidence = List.copyOf(evidence);
        Objects.requireNonNull(duration, "duration");
    }

    /** {@code id name}, how reports title a case. */
    public String title() {
        return id + " " + name;
    }
}
