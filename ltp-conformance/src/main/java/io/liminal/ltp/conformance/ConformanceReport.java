package io.liminal.ltp.conformance;

import io.liminal.ltp.conformance.internal.ReportWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The results of one run, in case order, with the readable, JSON and JUnit XML renderings.
 *
 * @param role which side was checked
 * @param target the server URL, or a description of the client under test
 * @param startedAt when the run started
 * @param duration how long it took
 * @param results one result per case that ran (filtered-out cases are not listed)
 */
public record ConformanceReport(Role role, String target, Instant startedAt, Duration duration,
        List<CaseResult> results) {

    /** Validates and freezes the components. */
    public ConformanceReport {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(duration, "duration");
        results = List.copyOf(results);
    }

    /** How many cases ended with {@code outcome}. */
    public long count(Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    /** Failed MUST cases: the run fails when there is any. */
    public List<CaseResult> mustFailures() {
        return results.stream().filter(r -> r.level() == Level.MUST && r.outcome() == Outcome.FAIL).toList();
    }

    /**
     * Whether nothing failed: every MUST case that ran passed (or was skipped), and with
     * {@link SuiteOptions.Builder#strict strict} options every SHOULD too.
     */
    public boolean passed() {
        return results.stream().noneMatch(result -> result.outcome() == Outcome.FAIL);
    }

    /** The readable report: one line per case, evidence under failures and warnings, then a summary. */
    public String toText() {
        return ReportWriter.text(this);
    }

    /** The JSON report (schema in {@code docs/conformance.md}). */
    public String toJson() {
        return ReportWriter.json(this);
    }

    /** A JUnit XML report ({@code <testsuite>}), for CI systems. */
    public String toJUnitXml() {
        return ReportWriter.junitXml(this);
    }
}
