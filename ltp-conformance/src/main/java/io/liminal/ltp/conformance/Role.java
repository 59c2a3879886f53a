package io.liminal.ltp.conformance;

/** Which side of the protocol a run checks. */
public enum Role {
    /** The suite plays clients against a server under test. */
    SERVER,
    /** The suite plays a server for a client under test. */
    CLIENT
}
