package io.liminal.ltp.conformance.internal;

import io.liminal.ltp.conformance.SuiteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What every case script has: options, evidence, and ways to end or qualify the case. */
public abstract class CaseContext implements AutoCloseable {
    protected final SuiteOptions options;
    protected final Evidence evidence;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    protected CaseContext(SuiteOptions options, Evidence evidence) {
        this.options = options;
        this.evidence = evidence;
    }

    public SuiteOptions options() {
        return options;
    }

    public Evidence evidence() {
        return evidence;
    }

    /** Ends the case as failed. */
    public CaseFailed fail(String message) {
        throw new CaseFailed(message);
    }

    /** Fails the case with {@code message} unless {@code condition} holds. */
    public void check(boolean condition, String message) {
        if (!condition) {
            throw new CaseFailed(message);
        }
    }

    /**
     * Records a failure unless {@code condition} holds, and goes on: for checks that do not depend on each other
     * (the fields of one message), so that a case reports every one that failed, not only the first.
     */
    public void expect(boolean condition, String message) {
        if (!condition) {
            evidence.note("failed check: " + message);
            failures.add(message);
        }
    }

    /** What {@link #expect} recorded. */
    List<String> failures() {
        return failures;
    }

    /** Ends the case as skipped. */
    public void skip(String reason) {
        throw new CaseSkipped(reason);
    }

    /** Notes something worth a look that breaks no MUST; the case reports WARN if it otherwise passes. */
    public void warn(String message) {
        evidence.note("warning: " + message);
        warnings.add(message);
    }

    List<String> warnings() {
        return warnings;
    }

    /**
     * Why a failure of this case proves nothing, or {@code null}: a limit the run was not told about answered
     * during the case (a server-role rate limit), so the outcome may be the limit's doing rather than the rule's.
     */
    String undecidedBecause() {
        return null;
    }

    /** Waits, for cases about timing. */
    public void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
    }

    /** Releases connections and processes the case opened. */
    @Override
    public abstract void close();
}
