package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * LTP echo over the sse-v1 binding (docs/extensions/sse-v1.md), for the comparison with WebSocket echo: each
 * session holds an event stream and a keep-alive connection for its posts, and sends {@code ping}s that the server
 * answers with {@code pong} events. First a closed loop (one ping in flight per session: the peak), then, with
 * {@code --rate}, an open loop at that many pings per second over all sessions (latency from the scheduled time;
 * pings that fall due while a post is in flight go in the next post, as ltp-client batches them).
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.load.SseEchoLoad --url http://127.0.0.1:18080
 *     [--sessions 100] [--seconds 10] [--warmup 5] [--rate 2000] [--payload 256] [--server-pid PID]
 *     [--label L] [--json FILE]</pre>
 *
 * <p>Netty on one event loop thread, like the WebSocket load generator, so that both cost the host alike.
 */
public final class SseEchoLoad implements AutoCloseable {
    private final URI base;
    private final int payloadBytes;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final List<Session> sessions = new ArrayList<>();
    final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    final LongAdder answered = new LongAdder();
    final LongAdder errors = new LongAdder();
    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_PONG = "data: {\"type\":\"pong\"".getBytes(StandardCharsets.US_ASCII);
    private volatile boolean closedLoop;
    private volatile double openRate;

    SseEchoLoad(URI base, int payloadBytes) {
        this.base = base;
        this.payloadBytes = payloadBytes;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sse-load", true), io);
        bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        URI url = URI.create("http://127.0.0.1:18080");
        int sessions = 100;
        int seconds = 10;
        int warmup = 5;
        double rate = 0;
        int payload = 256;
        long serverPid = -1;
        String label = "sse-echo";
        String json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = URI.create(args[++i].replaceFirst("^ws", "http"));
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--payload" -> payload = Integer.parseInt(args[++i]);
                case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
                case "--label" -> label = args[++i];
                case "--json" -> json = args[++i];
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; usage: --url URL "
                        + "[--sessions N] [--seconds N] [--warmup N] [--rate R] [--payload B] [--server-pid PID] "
                        + "[--label L] [--json FILE]");
            }
        }
        try (SseEchoLoad load = new SseEchoLoad(url, payload)) {
            load.connect(sessions).get(60, TimeUnit.SECONDS);
            load.runClosed(warmup);
            long cpuBefore = cpu(serverPid);
            long before = load.answered.sum();
            long start = System.nanoTime();
            load.latency.reset();
            load.runClosed(seconds);
            long elapsed = System.nanoTime() - start;
            long peakAnswered = load.answered.sum() - before;
            double peak = peakAnswered * 1e9 / elapsed;
            double cpuPerMessage = serverPid > 0 && peakAnswered > 0
                    ? (cpu(serverPid) - cpuBefore) / 1e3 / peakAnswered : -1;
            Histogram closed = load.latency.getIntervalHistogram();
            Histogram open = null;
            double achieved = 0;
            if (rate > 0) {
                long openBefore = load.answered.sum();
                long openStart = System.nanoTime();
                load.runOpen(rate, seconds);
                achieved = (load.answered.sum() - openBefore) * 1e9 / (System.nanoTime() - openStart);
                open = load.latency.getIntervalHistogram();
            }
            boolean clean = load.errors.sum() == 0;
            System.out.println(String.format(Locale.ROOT,
                    "%s: peak %,.0f msg/s (%d sessions, closed loop, p99 %.2f ms%s)%s%s",
                    label, peak, sessions, closed.getValueAtPercentile(99) / 1e3,
                    cpuPerMessage < 0 ? "" : String.format(Locale.ROOT, ", server CPU %.1f us/msg", cpuPerMessage),
                    open == null ? "" : String.format(Locale.ROOT, "; at %,.0f msg/s: %,.0f answered/s, p50 %.2f ms, "
                            + "p99 %.2f ms, max %.1f ms", rate, achieved, open.getValueAtPercentile(50) / 1e3,
                            open.getValueAtPercentile(99) / 1e3, open.getMaxValue() / 1e3),
                    clean ? "" : " [errors " + load.errors.sum() + "]"));
            if (json != null) {
                JsonObject result = new JsonObject();
                result.addProperty("label", label);
                result.addProperty("transport", "sse");
                result.addProperty("sessions", sessions);
                result.addProperty("peak_per_second", peak);
                result.addProperty("closed_p99_ms", closed.getValueAtPercentile(99) / 1e3);
                if (cpuPerMessage >= 0) {
                    result.addProperty("server_cpu_us_per_message", cpuPerMessage);
                }
                if (open != null) {
                    result.addProperty("open_rate", rate);
                    result.addProperty("open_per_second", achieved);
                    result.addProperty("open_p50_ms", open.getValueAtPercentile(50) / 1e3);
                    result.addProperty("open_p99_ms", open.getValueAtPercentile(99) / 1e3);
                }
                result.addProperty("clean", clean);
                Files.writeString(Path.of(json), result + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            if (!clean) {
                System.exit(2);
            }
        }
    }

    private static long cpu(long pid) {
        try {
            return pid > 0 ? ProcessStats.cpuNanos(pid) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Opens the sessions and completes their handshakes. */
    CompletableFuture<Void> connect(int count) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Session session = new Session("sse-load-" + i);
            sessions.add(session);
            ready.add(session.ready);
            group.next().execute(session::open);
        }
        return CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new));
    }

    /** Every session keeps one ping in flight for {@code seconds}. */
    void runClosed(int seconds) throws InterruptedException {
        closedLoop = true;
        for (Session session : sessions) {
            group.next().execute(session::sendIfIdle);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        closedLoop = false;
        awaitQuiet();
    }

    /** Pings at {@code rate} per second over all sessions for {@code seconds}, each at its scheduled time. */
    void runOpen(double rate, int seconds) throws InterruptedException {
        openRate = rate;
        long intervalNanos = (long) (sessions.size() * 1e9 / rate);
        List<ScheduledFuture<?>> timers = new ArrayList<>();
        for (int i = 0; i < sessions.size(); i++) {
            Session session = sessions.get(i);
            long offset = intervalNanos * i / sessions.size();
            timers.add(group.next().scheduleAtFixedRate(session::due, offset, intervalNanos, TimeUnit.NANOSECONDS));
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        timers.forEach(timer -> timer.cancel(false));
        openRate = 0;
        awaitQuiet();
    }

    private void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && sessions.stream().anyMatch(Session::busy)) {
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One LTP session over sse-v1; all its state lives on the single event loop. */
    private final class Session {
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        private final String clientId;
        private Channel posts;
        private String token;
        private String lastEventId;
        private byte[] ping;
        private long postSeq;
        private boolean postInFlight;
        /** When each outstanding ping was due (or sent), answered in order by pongs. */
        private final ArrayDeque<Long> outstanding = new ArrayDeque<>();
        private int queued;
        private final ByteBuf events = Unpooled.buffer();

        Session(String clientId) {
            this.clientId = clientId;
        }

        boolean busy() {
            return !outstanding.isEmpty();
        }

        void open() {
            bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new HttpClientCodec(), new StreamReader());
                }
            }).connect(base.getHost(), base.getPort()).addListener(connected -> {
                if (!connected.isSuccess()) {
                    ready.completeExceptionally(connected.cause());
                    return;
                }
                Channel stream = ((io.netty.channel.ChannelFuture) connected).channel();
                FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ltp/sse");
                get.headers().set(HttpHeaderNames.HOST, base.getHost())
                        .set(HttpHeaderNames.ACCEPT, "text/event-stream");
                stream.writeAndFlush(get);
            });
            bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                            new PostAnswers());
                }
            }).connect(base.getHost(), base.getPort()).addListener(connected -> {
                if (connected.isSuccess()) {
                    posts = ((io.netty.channel.ChannelFuture) connected).channel();
                    flush();
                } else {
                    ready.completeExceptionally(connected.cause());
                }
            });
        }

        /** Closed loop: a ping when none is in flight. */
        void sendIfIdle() {
            if (outstanding.isEmpty() && ping != null) {
                enqueue(System.nanoTime());
            }
        }

        /** Open loop: a ping falls due now. */
        void due() {
            if (ping != null) {
                enqueue(System.nanoTime());
            }
        }

        private void enqueue(long dueNanos) {
            outstanding.addLast(dueNanos);
            queued++;
            flush();
        }

        /** Posts what is queued when no post is in flight (pings, or the handshake before the token came). */
        private void flush() {
            if (postInFlight || posts == null || token == null) {
                return;
            }
            String body;
            if (ping == null) {
                body = "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                        + "\",\"metadata\":{\"sdk_version\":\"bench\"}}";
                if (postSeq > 0) {
                    return; // the handshake is on its way
                }
            } else if (queued == 0) {
                return;
            } else if (queued == 1) {
                body = null; // the prepared ping, as it is
            } else {
                String one = new String(ping, StandardCharsets.UTF_8);
                StringBuilder batch = new StringBuilder(one);
                for (int i = 1; i < queued; i++) {
                    batch.append('\n').append(one);
                }
                body = batch.toString();
            }
            queued = 0;
            byte[] bytes = body == null ? ping : body.getBytes(StandardCharsets.UTF_8);
            FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/ltp/sse",
                    Unpooled.wrappedBuffer(bytes));
            post.headers().set(HttpHeaderNames.HOST, base.getHost()).set("LTP-Token", token)
                    .set("LTP-Post-Seq", Long.toString(++postSeq))
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (lastEventId != null) {
                post.headers().set("LTP-Last-Event-Id", lastEventId);
            }
            postInFlight = true;
            posts.writeAndFlush(post);
        }

        private void onPong() {
            Long due = outstanding.pollFirst();
            if (due != null) {
                latency.recordValue(Math.max(0, (System.nanoTime() - due) / 1_000));
                answered.increment();
            }
            if (closedLoop) {
                sendIfIdle();
            }
        }

        private void onMessage(String data) {
            if (data.startsWith("{\"type\":\"pong\"")) {
                onPong();
            } else if (data.startsWith("{\"type\":\"handshake_ack\"")) {
                JsonObject ack = JsonParser.parseString(data).getAsJsonObject();
                String pad = "x".repeat(Math.max(0, payloadBytes - 10));
                ping = ("{\"type\":\"ping\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                        + "\",\"session_id\":\"" + ack.get("session_id").getAsString()
                        + "\",\"timestamp\":1731600000,\"payload\":{\"pad\":\"" + pad + "\"}}")
                        .getBytes(StandardCharsets.UTF_8);
                ready.complete(null);
            } else if (data.startsWith("{\"type\":\"error\"")) {
                errors.increment();
            }
        }

        private void onEvent(String type, String data) {
            if ("ltp-open".equals(type)) {
                token = JsonParser.parseString(data).getAsJsonObject().get("token").getAsString();
                flush();
            } else if ("ltp-close".equals(type)) {
                errors.increment();
            } else {
                onMessage(data);
            }
        }

        /** Splits the stream into events (blank-line separated) and their id, event and data lines. */
        private final class StreamReader extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof HttpResponse response && response.status().code() != 200) {
                        errors.increment();
                        ready.completeExceptionally(new IllegalStateException("stream refused: " + response.status()));
                    }
                    if (msg instanceof HttpContent content) {
                        events.writeBytes(content.content());
                        parse();
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            /** Splits the buffer at blank lines; a pong is recognised by its bytes, anything else decoded. */
            private void parse() {
                while (true) {
                    int start = events.readerIndex();
                    int end = indexOfBlankLine(start);
                    if (end < 0) {
                        events.discardReadBytes();
                        return;
                    }
                    events.readerIndex(end + 2);
                    int id = indexOf(ID, start, end);
                    if (id >= 0) {
                        int idEnd = events.indexOf(id, end, (byte) '\n');
                        lastEventId = events.toString(id + ID.length, (idEnd < 0 ? end : idEnd) - id - ID.length,
                                StandardCharsets.US_ASCII);
                    }
                    int data = indexOf(DATA_PONG, start, end);
                    if (data >= 0) {
                        onPong();
                        continue;
                    }
                    String event = events.toString(start, end - start, StandardCharsets.UTF_8);
                    String type = null;
                    StringBuilder text = null;
                    for (String line : event.split("\n")) {
                        if (line.startsWith("event: ")) {
                            type = line.substring(7);
                        } else if (line.startsWith("data: ")) {
                            text = text == null ? new StringBuilder(line.substring(6))
                                    : text.append('\n').append(line.substring(6));
                        }
                    }
                    if (text != null) {
                        onEvent(type, text.toString());
                    }
                }
            }

            private int indexOfBlankLine(int from) {
                int at = from;
                while (true) {
                    int newline = events.indexOf(at, events.writerIndex(), (byte) '\n');
                    if (newline < 0 || newline + 1 >= events.writerIndex()) {
                        return -1;
                    }
                    if (events.getByte(newline + 1) == '\n') {
                        return newline;
                    }
                    at = newline + 1;
                }
            }

            /** Where {@code needle} ends in {@code [from, to)} (the index after it), or -1. */
            private int indexOf(byte[] needle, int from, int to) {
                outer:
                for (int i = from; i + needle.length <= to; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (events.getByte(i + j) != needle[j]) {
                            continue outer;
                        }
                    }
                    return i;
                }
                return -1;
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (openRate > 0 || closedLoop) {
                    errors.increment();
                }
            }
        }

        /** Answers to posts: the next post may go. */
        private final class PostAnswers extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof FullHttpResponse response && response.status().code() != 204) {
                        errors.increment();
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
                postInFlight = false;
                flush();
            }
        }
    }
}
