package io.liminal.ltp.server.internal.engine;

/** One acked session's identity, immutable; published for application threads. */
record Session(String threadId, String sessionId, String clientId, String principal, String ltpVersion) {
}
