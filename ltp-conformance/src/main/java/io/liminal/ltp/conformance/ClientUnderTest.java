package io.liminal.ltp.conformance;

import java.net.URI;

/**
 * A client implementation driven by the client-role cases. The suite starts it against a URL of its scripted
 * server, stops it, starts it again (to check that it resumes its stored thread), and resets it between cases.
 *
 * <p>{@link CommandClient} runs any client as an external process; Java implementations can implement this
 * interface directly (see {@code docs/conformance.md}).
 */
public interface ClientUnderTest {

    /**
     * Starts the client: it must connect to {@code url} and then behave as its application would by default
     * (handshake, heartbeat, reconnect). Must return promptly; the connection happens in the background.
     */
    void start(URI url) throws Exception;

    /**
     * Stops the client the way its application would (a client-initiated disconnect, after which it must not
     * reconnect). Stored thread ids survive a stop.
     */
    void stop() throws Exception;

    /** Forgets everything the client stored (thread and session ids), so that the next start is a first one. */
    void reset() throws Exception;
}
