package io.liminal.ltp.conformance.internal;

/** Thrown by a case body that cannot run with the given options or target. */
public final class CaseSkipped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CaseSkipped(String message) {
        super(message, null, false, false);
    }
}
