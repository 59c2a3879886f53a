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
 * @param <C> the context the script runs with (server or client role)
 */
public record Case<C extends CaseContext>(String id, String name, Level level, Body<C> body, Duration timeout) {

    /** A case that runs within the run's case timeout. */
    public Case(String id, String name, Level level, Body<C> body) {
        this(id, name, level, body, null);
    }

    /** A case's script. */
    @FunctionalInterface
    public interface Body<C> {
        /** Runs the case; returns normally when the implementation passed. */
        void run(C context) throws Exception;
    }
}
