package io.liminal.ltp.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket client for tests, on the JDK's {@link HttpClient}: sends text (whole or fragmented) and binary
 * messages, and records what arrives in a queue that tests wait on with a timeout.
 */
public final class WsTestClient implements AutoCloseable {
    /** How long the typed waits wait by default. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final WebSocket webSocket;
    private final BlockingQueue<String> texts;
    private final CompletableFuture<Close> closed;

    private WsTestClient(WebSocket webSocket, BlockingQueue<String> texts, CompletableFuture<Close> closed) {
        this.webSocket = webSocket;
        this.texts = texts;
        this.closed = closed;
    }

    /** Connects offering {@code ltp.v0.3}. */
    public static WsTestClient connect(URI uri) {
        return connect(uri, List.of("ltp.v0.3"), Map.of(), null);
    }

    /**
     * Connects.
     *
     * @param subprotocols offered in {@code Sec-WebSocket-Protocol} (empty: none)
     * @param headers extra upgrade request headers
     * @param sslContext for {@code wss://}, or {@code null} for the default
     * @throws CompletionException when the upgrade fails (for example HTTP 503 while draining)
     */
    public static WsTestClient connect(URI uri, List<String> subprotocols, Map<String, String> headers,
            SSLContext sslContext) {
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (sslContext != null) {
            http.sslContext(sslContext);
        }
        WebSocket.Builder builder = http.build().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        headers.forEach(builder::header);
        BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        CompletableFuture<Close> closed = new CompletableFuture<>();
        WebSocket webSocket = builder.buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    texts.add(partial.toString());
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                closed.complete(new Close(statusCode, reason));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closed.complete(new Close(1006, String.valueOf(error)));
            }
        }).join();
        return new WsTestClient(webSocket, texts, closed);
    }

    /** The subprotocol the server selected, or an empty string. */
    public String subprotocol() {
        return webSocket.getSubprotocol();
    }

    /** Sends one text message and waits until it is written. */
    public WsTestClient send(String text) {
        webSocket.sendText(text, true).join();
        return this;
    }

    /** Sends one text message in fragments of at most {@code fragmentChars} characters. */
    public WsTestClient sendFragmented(String text, int fragmentChars) {
        for (int start = 0; start < text.length(); start += fragmentChars) {
            int end = Math.min(text.length(), start + fragmentChars);
            webSocket.sendText(text.substring(start, end), end == text.length()).join();
        }
        return this;
    }

    /** Sends one binary message. */
    public WsTestClient sendBinary(byte[] data) {
        webSocket.sendBinary(ByteBuffer.wrap(data), true).join();
        return this;
    }

    /** Sends a WebSocket-level ping (not an LTP ping). */
    public WsTestClient sendWebSocketPing() {
        webSocket.sendPing(ByteBuffer.allocate(0)).join();
        return this;
    }

    /** The next text message, waiting up to {@link #DEFAULT_WAIT}. */
    public String next() {
        return next(DEFAULT_WAIT);
    }

    /**
     * The next text message.
     *
     * @throws AssertionError when none arrives in time
     */
    public String next(Duration timeout) {
        try {
            String text = texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (text == null) {
                throw new AssertionError("No message within " + timeout + (closed.isDone()
                        ? "; connection closed: " + closed.getNow(null) : ""));
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }

    /** The next text message, or {@code null} when none arrives within {@code timeout}. */
    public String poll(Duration timeout) {
        try {
            return texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Messages received and not consumed yet. */
    public int pending() {
        return texts.size();
    }

    /** Waits for the connection to close. */
    public Close awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("Connection not closed within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    /** The close, or {@code null} when the connection is still open after {@code timeout}. */
    public Close pollClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    /** Whether the connection is closed. */
    public boolean isClosed() {
        return closed.isDone();
    }

    /** Starts the closing handshake. */
    public void close(int code, String reason) {
        if (!webSocket.isOutputClosed()) {
            webSocket.sendClose(code, reason).exceptionally(e -> null);
        }
    }

    @Override
    public void close() {
        close(1000, "bye");
        webSocket.abort();
    }

    /**
     * A close frame.
     *
     * @param code close code (1006 when the connection dropped without one)
     * @param reason close reason
     */
    public record Close(int code, String reason) {
    }
}
