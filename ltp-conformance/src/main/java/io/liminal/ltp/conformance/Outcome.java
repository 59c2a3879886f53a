package io.liminal.ltp.conformance;

/** How one case ended. */
public enum Outcome {
    /** The implementation behaved as the checklist item requires. */
    PASS,
    /** The implementation broke a MUST. */
    FAIL,
    /** The implementation did not follow a SHOULD, or showed something worth a look that breaks no rule. */
    WARN,
    /** The case did not run: filtered out, or it needs a feature or setting the run did not provide. */
    SKIP,
    /**
     * The case could not decide: a limit the run was not told about (the server's rate limit) answered instead of
     * the rule under test. Never a failure; declare the setting and run it again.
     */
    INCONCLUSIVE
}
