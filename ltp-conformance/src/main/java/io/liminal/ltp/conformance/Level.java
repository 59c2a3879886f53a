package io.liminal.ltp.conformance;

/** The requirement level of a checklist item (RFC 2119). */
public enum Level {
    /** An absolute requirement (MUST, MUST NOT). A failure makes the run fail. */
    MUST,
    /** A recommendation (SHOULD). Not meeting it is reported as a warning. */
    SHOULD,
    /** An option (MAY). Reported for information. */
    MAY
}
