package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * One scripted client connection of the server-role cases, over the JDK's WebSocket client or the sse-v1 binding
 * (its HTTP client): sends exactly what the case says, queues what arrives, and records both in the case's
 * evidence.
 */
public final class Peer implements AutoCloseable {
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
    private Wire wire;
    private RatePacer pacer = RatePacer.NONE;
    private volatile Object identity = this;
    private boolean awaitServerClose;

    private Peer(String name, Evidence evidence) {
        this.name = name;
        this.evidence = evidence;
    }

    /**
     * Opens a connection offering {@code subprotocols} (none when empty).
     *
     * @throws CaseFailed when the upgrade fails
     */
    public static Peer connect(String name, URI url, List<String> subprotocols, Map<String, String> headers,
            SSLContext sslContext, Duration timeout, Evidence evidence) {
        Peer peer = new Peer(name, evidence);
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
            peer.wire = new WebSocketWire(builder.buildAsync(url, peer.new Listener())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
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

    /** The subprotocol the server selected, or {@code null} for none (always none over sse-v1). */
    public String subprotocol() {
        String selected = wire.subprotocol();
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

    /**
     * Sends these messages at once, whatever the declared rate limit: one frame each over WebSocket, one post over
     * sse-v1 (as a client batches what it sends meanwhile), so that their number arrives within a moment either way.
     */
    public void sendAllUnpaced(List<String> texts) {
        for (int i = 0; i < texts.size(); i++) {
            pacer.record(identity);
        }
        if (!(wire instanceof SseWire sse)) {
            texts.forEach(this::transmit);
            return;
        }
        texts.forEach(text -> evidence.add(name, ">", text));
        int status = sse.post(String.join("\n", texts), "application/x-ndjson");
        if (status != 204) {
            throw new CaseFailed("A post of " + texts.size() + " messages was answered HTTP " + status);
        }
    }

    private void transmit(String text) {
        evidence.add(name, ">", text);
        try {
            wire.send(text);
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
        if (wire != null && !closed.isDone()) {
            try {
                wire.sendClose();
                if (awaitServerClose) {
                    closed.get(2, TimeUnit.SECONDS);
                }
            } catch (ExecutionException | TimeoutException | CompletionException e) {
                // closing anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (wire != null) {
            wire.abort();
        }
    }

    /**
     * Opens an sse-v1 connection (docs/extensions/sse-v1.md) to the host of {@code url}: {@code GET /ltp/sse}, then
     * waits for its {@code ltp-open} event.
     *
     * @throws CaseFailed when the stream is refused or does not open in time
     */
    public static Peer connectSse(String name, URI url, Map<String, String> headers, SSLContext sslContext,
            Duration timeout, Evidence evidence) {
        Peer peer = new Peer(name, evidence);
        SseWire sse = new SseWire(peer, url, headers, sslContext, timeout);
        evidence.add(name, "~", "open an sse-v1 stream at " + sse.endpoint);
        peer.wire = sse;
        sse.open();
        evidence.add(name, "~", "open (sse-v1)");
        return peer;
    }

    /**
     * Posts {@code text} as one message and returns the HTTP status instead of failing on a refusal: for the cases
     * that check how the sse-v1 binding refuses a post (413 past the message limit). WebSocket peers cannot.
     */
    public int postForStatus(String text) {
        if (!(wire instanceof SseWire sse)) {
            throw new IllegalStateException("only sse-v1 connections post");
        }
        evidence.add(name, ">", text.length() > 200 ? text.substring(0, 200) + "... (" + text.length() + " chars)"
                : text);
        int status = sse.post(text);
        evidence.add(name, "<", "HTTP " + status);
        return status;
    }

    /** What carries a peer's messages. */
    private interface Wire {
        void send(String text) throws ExecutionException, TimeoutException, InterruptedException;

        String subprotocol();

        /** Starts the close (1000): a close frame, or {@code DELETE}. */
        void sendClose() throws ExecutionException, TimeoutException, InterruptedException;

        /** Drops the connection without more ado. */
        void abort();
    }

    private record WebSocketWire(WebSocket socket) implements Wire {
        @Override
        public void send(String text) throws ExecutionException, TimeoutException, InterruptedException {
            socket.sendText(text, true).get(30, TimeUnit.SECONDS);
        }

        @Override
        public String subprotocol() {
            return socket.getSubprotocol();
        }

        @Override
        public void sendClose() throws ExecutionException, TimeoutException, InterruptedException {
            socket.sendClose(1000, "done").get(2, TimeUnit.SECONDS);
        }

        @Override
        public void abort() {
            socket.abort();
        }
    }

    /** The sse-v1 binding: one event stream, one post per message, numbered. */
    private static final class SseWire implements Wire {
        /** A post whose connection fails is tried this many times in all. */
        private static final int MAX_POST_ATTEMPTS = 2;
        private final Peer peer;
        private final URI endpoint;
        private final Map<String, String> headers;
        private final Duration timeout;
        private final HttpClient http;
        private final CompletableFuture<String> token = new CompletableFuture<>();
        private volatile Flow.Subscription stream;
        private volatile String lastEventId;
        private long postSeq;

        SseWire(Peer peer, URI url, Map<String, String> headers, SSLContext sslContext, Duration timeout) {
            this.peer = peer;
            String scheme = "wss".equalsIgnoreCase(url.getScheme()) ? "https" : "http";
            this.endpoint = URI.create(scheme + "://" + url.getRawAuthority() + "/ltp/sse");
            this.headers = headers;
            this.timeout = timeout;
            HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(timeout);
            if (sslContext != null) {
                builder.sslContext(sslContext);
            }
            this.http = builder.build();
        }

        void open() {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout).GET()
                    .header("Accept", "text/event-stream");
            headers.forEach(request::header);
            http.sendAsync(request.build(), info -> {
                if (info.statusCode() != 200) {
                    token.completeExceptionally(new CaseFailed("The sse-v1 stream was refused: HTTP "
                            + info.statusCode() + " (does the server offer sse-v1 at /ltp/sse?)"));
                    return HttpResponse.BodySubscribers.discarding();
                }
                return HttpResponse.BodySubscribers.fromLineSubscriber(new EventReader());
            }).whenComplete((response, error) -> {
                if (error != null) {
                    token.completeExceptionally(new CaseFailed("The sse-v1 stream failed: " + error));
                    peer.closed.complete(new Close(1006, String.valueOf(error)));
                }
            });
            try {
                token.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof CaseFailed failed ? failed : new CaseFailed(String.valueOf(e.getCause()));
            } catch (TimeoutException e) {
                throw new CaseFailed("No ltp-open event within " + timeout.toMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CaseFailed("interrupted");
            }
        }

        @Override
        public synchronized void send(String text) throws ExecutionException, TimeoutException, InterruptedException {
            int status = post(text);
            if (status != 204) {
                throw new ExecutionException(new java.io.IOException("the post was answered HTTP " + status));
            }
        }

        /** Posts one message (posts of a peer go one at a time, in order) and returns the HTTP status. */
        int post(String text) {
            return post(text, "application/json");
        }

        /**
         * Posts a body of this type (one message, or NDJSON) and returns the HTTP status. A post whose connection
         * fails is sent once more with the same number, as the binding allows (the server applies it once): a
         * server may close a kept-alive connection between two posts, which is HTTP, not a fault of the binding.
         */
        synchronized int post(String text, String contentType) {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                    .header("LTP-Token", token.join()).header("LTP-Post-Seq", Long.toString(++postSeq))
                    .header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
            String acknowledged = lastEventId;
            if (acknowledged != null) {
                request.header("LTP-Last-Event-Id", acknowledged);
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 204) {
                        postSeq--; // refused as a whole: the number was not used
                    }
                    return status;
                } catch (java.io.IOException e) {
                    if (attempt == MAX_POST_ATTEMPTS) {
                        throw new CaseFailed("Could not post (connection closed?): " + e);
                    }
                    peer.evidence.add(peer.name, "~", "the post's connection failed (" + e
                            + "); posting it again with the same LTP-Post-Seq");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CaseFailed("interrupted");
                }
            }
        }

        @Override
        public String subprotocol() {
            return null;
        }

        @Override
        public void sendClose() throws ExecutionException, TimeoutException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(2))
                    .header("LTP-Token", token.join())
                    .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"code\":1000,\"reason\":\"done\"}"))
                    .build();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).get(2, TimeUnit.SECONDS);
        }

        @Override
        public void abort() {
            Flow.Subscription current = stream;
            if (current != null) {
                current.cancel();
            }
        }

        /** Reads events: LTP messages to the peer's queue, {@code ltp-close} as the server's close. */
        private final class EventReader implements Flow.Subscriber<String> {
            private String id;
            private String type;
            private StringBuilder data;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                stream = subscription;
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                if (line.isEmpty()) {
                    if (data != null) {
                        dispatch(type == null ? "message" : type, data.toString());
                    }
                    id = null;
                    type = null;
                    data = null;
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n')
                            .append(line.substring(6));
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    type = line.substring(7);
                }
            }

            private void dispatch(String eventType, String text) {
                if (id != null) {
                    lastEventId = id;
                }
                switch (eventType) {
                    case "ltp-open" -> {
                        JsonObject open = Json.objectOrNull(text);
                        String value = open == null ? null : Json.string(open, "token");
                        if (value == null) {
                            token.completeExceptionally(new CaseFailed("ltp-open without a token: " + text));
                        } else {
                            token.complete(value);
                        }
                    }
                    case "ltp-close" -> {
                        JsonObject close = Json.objectOrNull(text);
                        int code = close != null && Json.isInteger(close, "code") ? close.get("code").getAsInt() : 1006;
                        String reason = close == null || Json.string(close, "reason") == null ? ""
                                : Json.string(close, "reason");
                        peer.evidence.add(peer.name, "<", "close " + code + (reason.isEmpty() ? "" : " \"" + reason
                                + "\""));
                        peer.closed.complete(new Close(code, reason));
                    }
                    default -> {
                        peer.evidence.add(peer.name, "<", text);
                        peer.messages.add(new Message(text, false));
                    }
                }
            }

            @Override
            public void onError(Throwable error) {
                peer.evidence.add(peer.name, "!", "stream failed: " + error);
                peer.closed.complete(new Close(1006, String.valueOf(error)));
            }

            @Override
            public void onComplete() {
                peer.closed.complete(new Close(1006, "the stream ended without ltp-close"));
            }
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
