package io.liminal.ltp.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An sse-v1 client for tests (docs/extensions/sse-v1.md): reads the event stream on a thread of its own into a
 * queue that tests wait on with a timeout, posts numbered batches, reopens the stream with {@code Last-Event-ID}.
 * Deliberately literal: it sends exactly what a test asks for, so tests can also send what a client must not.
 */
public final class SseTestClient implements AutoCloseable {
    /** How long the waits wait. */
    public static final Duration WAIT = Duration.ofSeconds(10);
    /** An event as read: its id ({@code null} when it set none), type ({@code message} by default) and data. */
    public record Event(String id, String type, String data) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    private final URI streamUri;
    private final URI postUri;
    private final Map<String, String> headers;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicLong postSeq = new AtomicLong();
    private final AtomicInteger comments = new AtomicInteger();
    private final BlockingQueue<Integer> commentCounts = new LinkedBlockingQueue<>();
    private volatile boolean acknowledging = true;
    private volatile String lastEventId;
    private volatile String token;
    private volatile InputStream body;
    private volatile CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile int streamStatus;

    private SseTestClient(URI streamUri, URI postUri, Map<String, String> headers) {
        this.streamUri = streamUri;
        this.postUri = postUri;
        this.headers = headers;
    }

    /**
     * Opens a connection: {@code GET <streamBase>/ltp/sse}, then waits for its {@code ltp-open} event.
     *
     * @param streamBase where the stream is opened, e.g. {@code http://127.0.0.1:8080} (a proxy, to cut it)
     * @param postBase where posts go (often the server itself)
     */
    public static SseTestClient open(URI streamBase, URI postBase, Map<String, String> headers) {
        SseTestClient client = new SseTestClient(streamBase.resolve("/ltp/sse"), postBase.resolve("/ltp/sse"), headers);
        client.startStream(null);
        if (client.streamStatus != 200) {
            throw new IllegalStateException("stream refused with HTTP " + client.streamStatus);
        }
        Event open = client.next();
        if (!"ltp-open".equals(open.type())) {
            throw new IllegalStateException("expected ltp-open first, got " + open);
        }
        String data = open.data();
        int start = data.indexOf("\"token\":\"") + 9;
        client.token = data.substring(start, data.indexOf('"', start));
        return client;
    }

    /**
     * Opens a second stream for an existing connection, as a client that lost the first would: {@code GET} with
     * {@code Last-Event-ID: lastEventId}.
     */
    public static SseTestClient resumeStream(URI base, String lastEventId) {
        SseTestClient client = new SseTestClient(base.resolve("/ltp/sse"), base.resolve("/ltp/sse"), Map.of());
        client.token = lastEventId.substring(0, lastEventId.indexOf('.'));
        client.lastEventId = lastEventId;
        client.startStream(lastEventId);
        if (client.streamStatus != 200) {
            throw new IllegalStateException("stream refused with HTTP " + client.streamStatus);
        }
        return client;
    }

    /** Opens a connection whose stream and posts go to {@code base}. */
    public static SseTestClient open(URI base) {
        return open(base, base, Map.of());
    }

    /**
     * Sends {@code GET /ltp/sse} with the given headers and returns the status without reading events (for refusals:
     * 403, 404, 503).
     */
    public static int streamStatus(URI base, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/ltp/sse")).timeout(WAIT).GET()
                .header("Accept", "text/event-stream");
        headers.forEach(request::header);
        try {
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request.build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            response.body().close();
            return response.statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The connection's token (from {@code ltp-open}). */
    public String token() {
        return token;
    }

    /** The id of the last event read. */
    public String lastEventId() {
        return lastEventId;
    }

    /** Waits up to {@link #WAIT} until {@code count} comment lines (the server's keep-alives) were read. */
    public void awaitComments(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (comments.get() < count) {
            if (commentCounts.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS) == null) {
                throw new AssertionError("only " + comments.get() + " comments within " + WAIT);
            }
        }
    }

    /** Whether posts carry {@code LTP-Last-Event-Id} (default true); off, the server must keep every event. */
    public void acknowledging(boolean acknowledge) {
        this.acknowledging = acknowledge;
    }

    /** The HTTP status of the latest stream request. */
    public int streamStatus() {
        return streamStatus;
    }

    /** The next event, waiting up to {@link #WAIT}. */
    public Event next() {
        try {
            Event event = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("no event within " + WAIT);
            }
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next event's data, failing unless it is an LTP message (type {@code message}). */
    public String nextMessage() {
        Event event = next();
        if (!"message".equals(event.type())) {
            throw new AssertionError("expected an LTP message, got " + event);
        }
        return event.data();
    }

    /** An event if one arrives within {@code wait}, else {@code null}. */
    public Event poll(Duration wait) throws InterruptedException {
        return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Completes when the current stream's response ends (the server ended it or the connection was cut). */
    public CompletableFuture<Void> streamEnded() {
        return ended;
    }

    /** Posts the messages as NDJSON with the next post number and the last read event id as acknowledgement. */
    public HttpResponse<String> post(String... messages) {
        return post(postSeq.incrementAndGet(), "application/x-ndjson", String.join("\n", messages), Map.of());
    }

    /** Posts exactly this: {@code seq} &lt; 1 sends no {@code LTP-Post-Seq}. */
    public HttpResponse<String> post(long seq, String contentType, String body, Map<String, String> extraHeaders) {
        return join(postAsync(seq, contentType, body, extraHeaders));
    }

    /** {@link #post(long, String, String, Map)} without waiting for the answer. */
    public CompletableFuture<HttpResponse<String>> postAsync(long seq, String contentType, String body,
            Map<String, String> extraHeaders) {
        HttpRequest.Builder request = HttpRequest.newBuilder(postUri).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null && !extraHeaders.containsKey("LTP-Token")) {
            request.header("LTP-Token", token);
        }
        if (seq > 0) {
            request.header("LTP-Post-Seq", Long.toString(seq));
        }
        if (lastEventId != null && acknowledging) {
            request.header("LTP-Last-Event-Id", lastEventId);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        extraHeaders.forEach(request::header);
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> join(CompletableFuture<HttpResponse<String>> response) {
        try {
            return response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("post failed: " + e, e);
        }
    }

    /** Ends the connection: {@code DELETE /ltp/sse}. */
    public HttpResponse<String> delete(int code, String reason) {
        HttpRequest request = HttpRequest.newBuilder(postUri).timeout(WAIT).header("LTP-Token", token)
                .method("DELETE", HttpRequest.BodyPublishers.ofString(
                        "{\"code\":" + code + ",\"reason\":\"" + reason + "\"}"))
                .build();
        return send(request);
    }

    /** Reopens the stream with {@code Last-Event-ID} (as an EventSource does after a cut); returns the status. */
    public int reopen() {
        closeBody();
        startStream(lastEventId);
        return streamStatus;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void startStream(String lastId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(streamUri).GET().header("Accept", "text/event-stream");
        if (lastId != null) {
            request.header("Last-Event-ID", lastId);
        }
        headers.forEach(request::header);
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        streamStatus = response.statusCode();
        CompletableFuture<Void> streamEnd = new CompletableFuture<>();
        ended = streamEnd;
        InputStream stream = response.body();
        body = stream;
        if (streamStatus != 200) {
            closeQuietly(stream);
            streamEnd.complete(null);
            return;
        }
        Thread reader = new Thread(() -> read(stream, streamEnd), "sse-test-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(InputStream stream, CompletableFuture<Void> streamEnd) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String id = null;
            String type = null;
            StringBuilder data = null;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        if (id != null) {
                            lastEventId = id;
                        }
                        events.add(new Event(id, type == null ? "message" : type, data.toString()));
                    }
                    id = null;
                    type = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    commentCounts.add(comments.incrementAndGet());
                } else if (line.startsWith("retry:")) {
                    continue;
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n')
                            .append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // cut: the stream ends
        } finally {
            streamEnd.complete(null);
        }
    }

    private void closeBody() {
        InputStream stream = body;
        if (stream != null) {
            closeQuietly(stream);
        }
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closeBody();
    }
}
