package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * One scripted client connection of the server-role cases (JDK WebSocket client): sends exactly what the case
 * says, queues what arrives, and records both in the case's evidence.
 */
public final class WsPeer implements AutoCloseable {
    /** A received WebSocket message; {@code binary} when it came in a binary frame. */
    public record Message(String text, boolean binary) {
    }

    /** How the server closed the connection. */
    public record Close(int code, String reason) {
    }

    private final String name;
    private final Evidence evidence;
    private final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private WebSocket socket;
    private RatePacer pacer = RatePacer.NONE;
    private volatile Object identity = this;
    private boolean awaitServerClose;

    private WsPeer(String name, Evidence evidence) {
        this.name = name;
        this.evidence = evidence;
    }

    /**
     * Opens a connection offering {@code subprotocols} (none when empty).
     *
     * @throws CaseFailed when the upgrade fails
     */
    public static WsPeer connect(String name, URI url, List<String> subprotocols, Map<String, String> headers,
            SSLContext sslContext, Duration timeout, Evidence evidence) {
        WsPeer peer = new WsPeer(name, evidence);
        HttpClient.Builder clientBuilder = HttpClient.newBuilder().connectTimeout(timeout);
        if (sslContext != null) {
            clientBuilder.sslContext(sslContext);
        }
        WebSocket.Builder builder = clientBuilder.build().newWebSocketBuilder().connectTimeout(timeout);
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        headers.forEach(builder::header);
        evidence.add(name, "~", "connect " + url + (subprotocols.isEmpty() ? "" : " offering " + subprotocols));
        try {
            peer.socket = builder.buildAsync(url, peer.new Listener()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new CaseFailed("WebSocket upgrade to " + url + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new CaseFailed("WebSocket upgrade to " + url + " did not complete within " + timeout.toMillis()
                    + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
        String selected = peer.subprotocol();
        evidence.add(name, "~", "open" + (selected == null ? ", no subprotocol selected" : ", subprotocol " + selected));
        return peer;
    }

    /** The connection's name in the evidence ({@code conn#2}). */
    public String name() {
        return name;
    }

    /** The subprotocol the server selected, or {@code null} for none. */
    public String subprotocol() {
        String selected = socket.getSubprotocol();
        return selected == null || selected.isEmpty() ? null : selected;
    }

    /** Paces this connection's messages under a declared rate limit; until {@link #identity} is set, alone. */
    void pace(RatePacer pacer) {
        this.pacer = pacer;
    }

    /** Whom the server counts this connection's messages against (its thread, or the token). */
    void identity(Object identity) {
        this.identity = identity;
    }

    /** Whether {@link #close()} waits for the server's close frame (so that a connection cap is free again). */
    void awaitServerClose(boolean await) {
        this.awaitServerClose = await;
    }

    /** Sends one text message, after waiting if a declared rate limit requires it. */
    public void send(String text) {
        try {
            pacer.beforeSend(identity, text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
        transmit(text);
    }

    /** Sends one text message at once, whatever the declared rate limit (the case that probes the limit). */
    public void sendUnpaced(String text) {
        pacer.record(identity);
        transmit(text);
    }

    private void transmit(String text) {
        evidence.add(name, ">", text);
        try {
            socket.sendText(text, true).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
            throw new CaseFailed("Could not send (connection closed?): " + e.getCause());
        } catch (TimeoutException e) {
            throw new CaseFailed("Sending did not complete within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
    }

    /** The next message, or {@code null} if none arrives within {@code timeout}. */
    public Message next(Duration timeout) {
        try {
            return messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
    }

    /**
     * The next message as a JSON object.
     *
     * @throws CaseFailed when none arrives in time or it is not a JSON object in a text frame
     */
    public JsonObject nextJson(Duration timeout, String waitingFor) {
        JsonObject json = nextJsonOrNull(timeout, waitingFor);
        if (json == null) {
            throw new CaseFailed("No message within " + timeout.toMillis() + " ms while waiting for " + waitingFor
                    + (closed.isDone() ? "; the server closed the connection (" + closed.join() + ")" : ""));
        }
        return json;
    }

    /**
     * The next message as a JSON object, or {@code null} when none arrived within {@code timeout}.
     *
     * @throws CaseFailed when what arrived is not one JSON object
     */
    public JsonObject nextJsonOrNull(Duration timeout, String waitingFor) {
        Message message = next(timeout);
        if (message == null) {
            return null;
        }
        JsonObject json = Json.objectOrNull(message.text());
        if (json == null) {
            throw new CaseFailed("Received something that is not one JSON object while waiting for " + waitingFor);
        }
        return json;
    }

    /** How the server closed the connection, or {@code null} if it did not within {@code timeout}. */
    public Close awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            return new Close(1006, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
    }

    /** Whether the server closed the connection (or it broke). */
    public boolean isClosed() {
        return closed.isDone();
    }

    /** Closes with 1000 and drops the connection. */
    @Override
    public void close() {
        if (socket != null && !closed.isDone()) {
            try {
                socket.sendClose(1000, "done").get(2, TimeUnit.SECONDS);
                if (awaitServerClose) {
                    closed.get(2, TimeUnit.SECONDS);
                }
            } catch (ExecutionException | TimeoutException | CompletionException e) {
                // closing anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (socket != null) {
            socket.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private ByteBuffer binary = ByteBuffer.allocate(0);

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                evidence.add(name, "<", message);
                messages.add(new Message(message, false));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            ByteBuffer grown = ByteBuffer.allocate(binary.remaining() + data.remaining());
            grown.put(binary).put(data).flip();
            binary = grown;
            if (last) {
                String message = StandardCharsets.UTF_8.decode(binary).toString();
                binary = ByteBuffer.allocate(0);
                evidence.add(name, "<", "(binary frame) " + message);
                messages.add(new Message(message, true));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            evidence.add(name, "<", "close " + statusCode + (reason.isEmpty() ? "" : " \"" + reason + "\""));
            closed.complete(new Close(statusCode, reason));
            webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            evidence.add(name, "!", "connection failed: " + error);
            closed.complete(new Close(1006, String.valueOf(error)));
        }
    }
}
