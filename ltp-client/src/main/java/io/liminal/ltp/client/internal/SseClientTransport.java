package io.liminal.ltp.client.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the sse-v1 binding (docs/extensions/sse-v1.md) on the JDK's {@link HttpClient}: one event
 * stream read as it arrives, one post in flight at a time carrying whatever the client sent meanwhile, the stream
 * reopened with {@code Last-Event-ID} when something between cuts it. To the client engine a connection looks like
 * a WebSocket: it opens, carries texts both ways, and closes with a code.
 */
public final class SseClientTransport implements ClientTransport {
    private static final Logger LOG = LoggerFactory.getLogger(SseClientTransport.class);
    static final String PATH = "/ltp/sse";
    /** How long a cut stream is reopened before the connection counts as lost (the server waits 30 s). */
    static final Duration REOPEN_WINDOW = Duration.ofSeconds(25);
    /** Events read before an acknowledgement goes out even without anything to post. */
    static final long ACK_EVERY_BYTES = 256 * 1024;
    private static final int MAX_POST_RETRIES = 5;
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host",
            "upgrade");

    private final SSLContext sslContext;
    /** Made on first use: most clients never fall back, and each HttpClient holds a selector thread. */
    private volatile HttpClient http;
    private final Duration connectTimeout;
    private final Scheduler scheduler;
    private final Executor callbacks;

    /**
     * @param sslContext for {@code https}, or {@code null} for the default
     * @param scheduler timers (stream reopen, post retries)
     */
    public SseClientTransport(SSLContext sslContext, Duration connectTimeout, Scheduler scheduler) {
        this.sslContext = sslContext;
        this.connectTimeout = connectTimeout;
        this.scheduler = scheduler;
        this.callbacks = ForkJoinPool.commonPool();
    }

    private HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            synchronized (this) {
                client = http;
                if (client == null) {
                    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(connectTimeout);
                    if (sslContext != null) {
                        builder.sslContext(sslContext);
                    }
                    client = builder.build();
                    http = client;
                }
            }
        }
        return client;
    }

    /** The binding's endpoint for a WebSocket URL: same host and port, http(s), {@code /ltp/sse}. */
    static URI endpoint(URI webSocketUri) {
        String scheme = "wss".equalsIgnoreCase(webSocketUri.getScheme()) ? "https" : "http";
        return URI.create(scheme + "://" + webSocketUri.getRawAuthority() + PATH);
    }

    @Override
    public Connection open(URI uri, Map<String, String> headers, Listener listener) {
        SseConnection connection = new SseConnection(endpoint(uri), headers, listener);
        connection.lane.execute(() -> connection.openStream(null));
        return connection;
    }

    /** One binding connection. All state is confined to {@link #lane}. */
    private final class SseConnection implements Connection {
        private final URI endpoint;
        private final Map<String, String> headers;
        private final Listener listener;
        final SerialExecutor lane;

        private String token;
        private String lastEventId;
        private String acknowledgedId;
        private long readSinceAck;
        private int maxPostBytes = 1 << 20;
        private boolean opened;
        /** Closed, lost or failed: nothing more is reported. */
        private boolean finished;
        /** Which stream is current; events of an older one are ignored. */
        private int streamGeneration;
        private Flow.Subscription stream;
        private long reopenDeadlineNanos;
        private final ArrayDeque<String> outbox = new ArrayDeque<>();
        private boolean postInFlight;
        private long postSeq;

        SseConnection(URI endpoint, Map<String, String> headers, Listener listener) {
            this.endpoint = endpoint;
            this.headers = headers;
            this.listener = listener;
            this.lane = new SerialExecutor(callbacks, (thread, error) -> LOG.error("sse-v1 connection task failed",
                    error));
        }

        // ---- Stream -----------------------------------------------------------------------------------------------

        void openStream(String lastId) {
            int generation = ++streamGeneration;
            HttpRequest.Builder request = withHeaders(HttpRequest.newBuilder(endpoint)).GET()
                    .header("Accept", "text/event-stream").header("Cache-Control", "no-store");
            if (lastId != null) {
                request.header("Last-Event-ID", lastId);
            }
            http().sendAsync(request.build(), info -> {
                if (info.statusCode() == 200) {
                    return HttpResponse.BodySubscribers.fromLineSubscriber(new EventReader(generation));
                }
                lane.execute(() -> streamRefused(generation, info.statusCode()));
                return HttpResponse.BodySubscribers.discarding();
            }).whenComplete((response, error) -> {
                if (error != null) {
                    lane.execute(() -> streamEnded(generation, error));
                }
            });
        }

        private void streamRefused(int generation, int status) {
            if (generation != streamGeneration || finished) {
                return;
            }
            if (!opened) {
                fail(new IOException("sse-v1 stream refused: HTTP " + status));
            } else if (status == 404) {
                lost("the server no longer has this connection");
            } else {
                reopenLater(generation); // 503 and the like: the node may come back within the window
            }
        }

        /** The stream ended or could not be reached: reopen within the window, else the connection is lost. */
        private void streamEnded(int generation, Throwable cause) {
            if (generation != streamGeneration || finished) {
                return;
            }
            stream = null;
            if (!opened) {
                fail(cause != null ? cause : new IOException("sse-v1 stream ended before it opened"));
                return;
            }
            reopenLater(generation);
        }

        private void reopenLater(int generation) {
            long now = System.nanoTime();
            if (reopenDeadlineNanos == 0) {
                reopenDeadlineNanos = now + REOPEN_WINDOW.toNanos();
                openStream(lastEventId); // the first reopen at once: a proxy's cut is the usual reason
                return;
            }
            if (now - reopenDeadlineNanos > 0) {
                lost("the event stream could not be reopened within " + REOPEN_WINDOW.toSeconds() + " s");
                return;
            }
            scheduler.schedule(() -> lane.execute(() -> {
                if (generation == streamGeneration && !finished) {
                    openStream(lastEventId);
                }
            }), 1, TimeUnit.SECONDS);
        }

        private void onEvent(int generation, String id, String type, String data) {
            if (generation != streamGeneration || finished) {
                return;
            }
            reopenDeadlineNanos = 0; // the stream works again
            if (id != null) {
                lastEventId = id;
            }
            switch (type) {
                case "ltp-open" -> {
                    JsonObject open = JsonParser.parseString(data).getAsJsonObject();
                    token = open.get("token").getAsString();
                    JsonElement max = open.get("max_post_bytes");
                    if (max != null && max.isJsonPrimitive()) {
                        maxPostBytes = max.getAsInt();
                    }
                    if (!opened) {
                        opened = true;
                        listener.onOpen(null);
                        pump();
                    }
                }
                case "ltp-close" -> {
                    JsonObject close = JsonParser.parseString(data).getAsJsonObject();
                    finish();
                    listener.onClosed(close.get("code").getAsInt(), close.get("reason").getAsString(), true);
                }
                case "message" -> {
                    listener.onText(data);
                    readSinceAck += data.length();
                    if (readSinceAck >= ACK_EVERY_BYTES) {
                        pump();
                    }
                }
                default -> LOG.debug("Ignored an sse-v1 event of type {}", type);
            }
        }

        // ---- Posts ------------------------------------------------------------------------------------------------

        @Override
        public void send(String text) {
            lane.execute(() -> {
                if (!finished) {
                    outbox.add(text);
                    pump();
                }
            });
        }

        /** Sends the next post: everything queued (up to the server's post size), or an acknowledgement alone. */
        private void pump() {
            if (postInFlight || !opened || finished) {
                return;
            }
            boolean ackDue = readSinceAck >= ACK_EVERY_BYTES && lastEventId != null
                    && !lastEventId.equals(acknowledgedId);
            if (outbox.isEmpty() && !ackDue) {
                return;
            }
            StringBuilder body = new StringBuilder();
            int bytes = 0;
            while (!outbox.isEmpty()) {
                int size = outbox.peekFirst().getBytes(StandardCharsets.UTF_8).length + 1;
                if (body.length() > 0 && bytes + size > maxPostBytes) {
                    break;
                }
                body.append(outbox.pollFirst()).append('\n');
                bytes += size;
            }
            long seq = body.length() == 0 ? -1 : ++postSeq;
            postInFlight = true;
            post(seq, body.toString(), lastEventId, 0);
        }

        private void post(long seq, String body, String acknowledging, int retry) {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(connectTimeout.multipliedBy(2))
                    .header("LTP-Token", token).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (seq > 0) {
                request.header("LTP-Post-Seq", Long.toString(seq));
            }
            if (acknowledging != null) {
                request.header("LTP-Last-Event-Id", acknowledging);
            }
            http().sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
                    lane.execute(() -> posted(seq, body, acknowledging, retry, error == null ? response.statusCode()
                            : -1, error)));
        }

        private void posted(long seq, String body, String acknowledging, int retry, int status, Throwable error) {
            if (finished) {
                return;
            }
            if (status == 204) {
                postInFlight = false;
                if (acknowledging != null) {
                    acknowledgedId = acknowledging;
                    readSinceAck = 0;
                }
                pump();
                return;
            }
            // A network error, backpressure (429), or a proxy between us and the node failing for a moment.
            boolean retryable = error != null || status == 429 || status == 502 || status == 503 || status == 504;
            if (!retryable || retry >= MAX_POST_RETRIES) {
                lost(error != null ? "posts fail: " + error : "post refused: HTTP " + status);
                return;
            }
            // The same post again, with its number: the server handles it once whatever happened to this one.
            long delay = 100L << retry;
            scheduler.schedule(() -> lane.execute(() -> {
                if (!finished) {
                    post(seq, body, acknowledging, retry + 1);
                }
            }), delay, TimeUnit.MILLISECONDS);
        }

        // ---- End --------------------------------------------------------------------------------------------------

        @Override
        public void close(int code, String reason) {
            lane.execute(() -> {
                if (finished) {
                    return;
                }
                boolean wasOpen = opened;
                finish();
                if (!wasOpen || token == null) {
                    listener.onFailed(new IOException("closed while opening"));
                    return;
                }
                JsonObject close = new JsonObject();
                close.addProperty("code", code);
                close.addProperty("reason", reason == null ? "" : reason);
                HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(connectTimeout)
                        .header("LTP-Token", token)
                        .method("DELETE", HttpRequest.BodyPublishers.ofString(close.toString())).build();
                http().sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
                        lane.execute(() -> listener.onClosed(code, reason == null ? "" : reason, false)));
            });
        }

        @Override
        public Transport transport() {
            return Transport.SSE;
        }

        private void lost(String why) {
            LOG.debug("sse-v1 connection lost: {}", why);
            finish();
            listener.onClosed(1006, "", true);
        }

        private void fail(Throwable cause) {
            finish();
            listener.onFailed(cause);
        }

        private void finish() {
            finished = true;
            outbox.clear();
            if (stream != null) {
                stream.cancel();
                stream = null;
            }
        }

        private HttpRequest.Builder withHeaders(HttpRequest.Builder request) {
            request.timeout(connectTimeout); // until the response head: a stream's body has no end
            for (Map.Entry<String, String> header : new TreeMap<>(headers).entrySet()) {
                if (!RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                    request.header(header.getKey(), header.getValue());
                }
            }
            return request;
        }

        /** Reads the event stream line by line (the JDK client calls it one line at a time, in order). */
        private final class EventReader implements Flow.Subscriber<String> {
            private final int generation;
            private String id;
            private String type;
            private StringBuilder data;

            EventReader(int generation) {
                this.generation = generation;
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                lane.execute(() -> {
                    if (generation == streamGeneration && !finished) {
                        stream = subscription;
                    } else {
                        subscription.cancel();
                    }
                });
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                if (line.isEmpty()) {
                    if (data != null) {
                        String eventId = id;
                        String eventType = type == null ? "message" : type;
                        String eventData = data.toString();
                        lane.execute(() -> onEvent(generation, eventId, eventType, eventData));
                    }
                    id = null;
                    type = null;
                    data = null;
                } else if (line.startsWith("data:")) {
                    String value = field(line, 5);
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                } else if (line.startsWith("id:")) {
                    id = field(line, 3);
                } else if (line.startsWith("event:")) {
                    type = field(line, 6);
                } // comments (":"), retry and unknown fields carry nothing for LTP
            }

            private String field(String line, int nameLength) {
                return line.startsWith(" ", nameLength) ? line.substring(nameLength + 1) : line.substring(nameLength);
            }

            @Override
            public void onError(Throwable error) {
                lane.execute(() -> streamEnded(generation, error));
            }

            @Override
            public void onComplete() {
                lane.execute(() -> streamEnded(generation, null));
            }
        }
    }
}
