package io.liminal.ltp.client;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.testing.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * A scripted LTP server on OkHttp's MockWebServer: each connection attempt takes the next enqueued response
 * (a WebSocket upgrade or an HTTP failure), and tests drive each upgraded connection by hand.
 */
final class ScriptedServer implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final MockWebServer server = new MockWebServer();
    private final BlockingQueue<Peer> peers = new LinkedBlockingQueue<>();
    /** Clients connect through it, so tests can cut the TCP connection like a network would. */
    private final TcpProxy proxy;

    ScriptedServer() {
        try {
            server.start(InetAddress.getLoopbackAddress(), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        proxy = TcpProxy.start(server.getPort());
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + proxy.port() + "/");
    }

    /** Drops every client connection without a close frame. */
    void cutAll() {
        proxy.cutAll();
    }

    /** The next connection attempt is upgraded (answering with subprotocol ltp.v0.3). */
    ScriptedServer acceptUpgrade() {
        server.enqueue(new MockResponse.Builder().addHeader("Sec-WebSocket-Protocol", "ltp.v0.3")
                .webSocketUpgrade(new Peer(peers)).build());
        return this;
    }

    /** The next connection attempt gets an HTTP error instead of an upgrade. */
    ScriptedServer refuse(int status) {
        server.enqueue(new MockResponse.Builder().code(status).build());
        return this;
    }

    /** The next upgraded connection. */
    Peer awaitPeer() {
        try {
            Peer peer = peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (peer == null) {
                throw new AssertionError("No WebSocket connection within " + WAIT);
            }
            return peer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next HTTP request (each connection attempt makes one). */
    RecordedRequest takeRequest() {
        try {
            RecordedRequest request = server.takeRequest(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (request == null) {
                throw new AssertionError("No connection attempt within " + WAIT);
            }
            return request;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next request, or null when none comes within {@code timeout}. */
    RecordedRequest pollRequest(Duration timeout) {
        try {
            return server.takeRequest(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    int requestCount() {
        return server.getRequestCount();
    }

    @Override
    public void close() {
        proxy.close();
        server.close();
    }

    static String ack(String threadId, String sessionId, boolean resumed, long heartbeatMs) {
        return "{\"type\":\"handshake_ack\",\"ltp_version\":\"0.3\",\"thread_id\":\"" + threadId + "\",\"session_id\":\""
                + sessionId + "\",\"server_capabilities\":[\"ping-pong\"],\"heartbeat_interval_ms\":" + heartbeatMs
                + ",\"resumed\":" + resumed + "}";
    }

    static String reject(Boolean suggestNew) {
        return "{\"type\":\"handshake_reject\",\"ltp_version\":\"0.3\",\"reason\":\"thread_not_found\""
                + (suggestNew == null ? "" : ",\"suggest_new\":" + suggestNew) + "}";
    }

    static String error(String code) {
        return "{\"type\":\"error\",\"timestamp\":1,\"payload\":{\"error_code\":\"" + code + "\",\"error_message\":\"m\"}}";
    }

    static String pong(JsonObject ping) {
        return "{\"type\":\"pong\",\"thread_id\":\"" + ping.get("thread_id").getAsString() + "\",\"session_id\":\""
                + ping.get("session_id").getAsString() + "\",\"timestamp\":1,\"payload\":{},\"meta\":{}}";
    }

    /** One upgraded connection as the server sees it. */
    static final class Peer extends WebSocketListener {
        private final BlockingQueue<Peer> announce;
        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private volatile WebSocket socket;

        Peer(BlockingQueue<Peer> announce) {
            this.announce = announce;
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            socket = webSocket;
            announce.add(this);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            received.add(text);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            closed.complete(code);
            webSocket.close(1000, null);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            closed.complete(1006);
        }

        String next() {
            try {
                String text = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (text == null) {
                    throw new AssertionError("The client sent nothing within " + WAIT);
                }
                return text;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        JsonObject nextJson() {
            return JsonParser.parseString(next()).getAsJsonObject();
        }

        /** The next message the client sends, skipping pings. */
        JsonObject nextNonPing() {
            while (true) {
                JsonObject message = nextJson();
                if (!"ping".equals(message.get("type").getAsString())) {
                    return message;
                }
            }
        }

        String poll(Duration timeout) {
            try {
                return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        void send(String text) {
            socket.send(text);
        }

        void close(int code, String reason) {
            socket.close(code, reason);
        }

        int awaitClose() {
            return closed.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
        }
    }
}
