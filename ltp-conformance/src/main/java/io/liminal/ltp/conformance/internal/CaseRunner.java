package io.liminal.ltp.conformance.internal;

import io.liminal.ltp.conformance.CaseResult;
import io.liminal.ltp.conformance.Level;
import io.liminal.ltp.conformance.Outcome;
import io.liminal.ltp.conformance.SuiteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs one case with its own evidence and time limit. Whatever the case does (fails, throws, hangs), the runner
 * returns a result and the run goes on.
 */
public final class CaseRunner {
    private CaseRunner() {
    }

    public static <C extends CaseContext> CaseResult run(Case<C> definition, SuiteOptions options,
            Function<Evidence, C> contexts) {
        Evidence evidence = new Evidence();
        long start = System.nanoTime();
        C context;
        try {
            context = contexts.apply(evidence);
        } catch (RuntimeException e) {
            return new CaseResult(definition.id(), definition.name(), definition.level(), violation(definition.level(), options.strict()),
                    "The case could not be set up: " + e.getMessage(), evidence.lines(),
                    Duration.ofNanos(System.nanoTime() - start));
        }
        Duration timeout = definition.timeout() != null ? definition.timeout() : options.caseTimeout();
        FutureTask<Void> task = new FutureTask<>(() -> {
            definition.body().run(context);
            return null;
        });
        Thread thread = new Thread(task, "ltp-conformance-" + definition.id());
        thread.setDaemon(true);
        thread.start();
        Outcome outcome;
        String message = null;
        boolean failedHard = false;
        try {
            task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            outcome = Outcome.PASS;
            if (!context.warnings().isEmpty()) {
                outcome = options.strict() ? Outcome.FAIL : Outcome.WARN; // warnings are SHOULDs not met
                message = String.join("; ", context.warnings());
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CaseSkipped skipped) {
                outcome = Outcome.SKIP;
                message = skipped.getMessage();
            } else if (cause instanceof CaseInconclusive inconclusive) {
                outcome = Outcome.INCONCLUSIVE;
                message = inconclusive.getMessage();
            } else if (cause instanceof CaseFailed failed) {
                outcome = violation(definition.level(), options.strict());
                message = failed.getMessage();
                failedHard = true;
            } else {
                outcome = violation(definition.level(), options.strict());
                message = "The case could not complete: " + cause;
                failedHard = true;
            }
        } catch (TimeoutException e) {
            task.cancel(true);
            failedHard = true;
            outcome = violation(definition.level(), options.strict());
            message = "The case did not finish within " + timeout.toSeconds() + " s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            task.cancel(true);
            outcome = Outcome.SKIP;
            message = "interrupted";
        } finally {
            try {
                context.close();
            } catch (RuntimeException e) {
                evidence.note("cleanup failed: " + e);
            }
        }
        if (!context.failures().isEmpty() && (failedHard || outcome == Outcome.PASS || outcome == Outcome.WARN)) {
            // Checks recorded along the way come first; the one that ended the case, if any, last.
            List<String> all = new ArrayList<>(context.failures());
            if (failedHard) {
                all.add(message);
            }
            outcome = violation(definition.level(), options.strict());
            message = String.join("; ", all);
        }
        String undecided = context.undecidedBecause();
        if (undecided != null && (outcome == Outcome.FAIL || outcome == Outcome.WARN)) {
            outcome = Outcome.INCONCLUSIVE;
            message = undecided + " What the case saw: " + message;
        }
        if (message != null && outcome != Outcome.PASS) {
            evidence.note(outcome + ": " + message);
        }
        return new CaseResult(definition.id(), definition.name(), definition.level(), outcome, message,
                evidence.lines(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** A broken MUST fails; a SHOULD not met warns, or fails when strict; a MAY only warns. */
    private static Outcome violation(Level level, boolean strict) {
        return level == Level.MUST || (strict && level == Level.SHOULD) ? Outcome.FAIL : Outcome.WARN;
    }
}
