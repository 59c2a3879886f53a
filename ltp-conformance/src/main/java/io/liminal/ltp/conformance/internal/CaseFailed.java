package io.liminal.ltp.conformance.internal;

/** Thrown by a case body when the implementation broke the rule the case checks. */
public final class CaseFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CaseFailed(String message) {
        super(message, null, false, false);
    }
}
