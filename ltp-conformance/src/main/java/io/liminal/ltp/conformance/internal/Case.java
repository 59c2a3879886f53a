package io.liminal.ltp.conformance.internal;

import io.liminal.ltp.conformance.Level;
import java.time.Duration;

/**
 * One check of the suite: a checklist item of the spec and a script that exercises it.
 *
 * @param id the checklist ID
 * @param name what this case checks, in a few words
 * @param level the item's level
 * @param body the script
 * @param timeout how long the case may run, or {@code null} for the run's case timeout
 * @param alone whether the case measures time and so runs with no other case beside it
 * @param <C> the context the script runs with (server or client role)
 */
public record Case<C extends CaseContext>(String id, String name, Level level, Body<C> body, Duration timeout,
        boolean alone) {

    /** A case that runs within the run's case timeout, beside others. */
    public Case(String id, String name, Level level, Body<C> body) {
        this(id, name, level, body, null, false);
    }

    /** A case about timing: it runs after the others, one at a time, so that no other case loads the server. */
    public static <C extends CaseContext> Case<C> timed(String id, String name, Level level, Body<C> body) {
        return new Case<>(id, name, level, body, null, true);
    }

    /** A case's script. */
    @FunctionalInterface
    public interface Body<C> {
        /** Runs the case; returns normally when the implementation passed. */
        void run(C context) throws Exception;
    }
}
