package io.liminal.ltp.conformance.internal;

/**
 * Thrown when something the run was not told about, such as a rate limit, decided the answer instead of the rule
 * under test: the case can neither pass nor fail the implementation.
 */
public final class CaseInconclusive extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CaseInconclusive(String message) {
        super(message, null, false, false);
    }
}
