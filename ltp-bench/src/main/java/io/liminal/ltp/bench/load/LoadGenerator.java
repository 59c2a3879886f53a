package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Speaks LTP over real sockets to any server URL with non-blocking I/O (Netty; one process holds tens of
 * thousands of sessions), and reports throughput, latency percentiles (HdrHistogram), stalls, and the server
 * process's CPU time per message and resident memory.
 *
 * <pre>
 * java -cp ltp-bench.jar io.liminal.ltp.bench.load.LoadGenerator --url ws://127.0.0.1:8080/ --mode closed \
 *      --sessions 100 --payload 256 --duration 30s --server-pid 1234
 * </pre>
 *
 * Replies are matched to requests in order per session, so the same generator measures LTP servers (ping/pong)
 * and the plain echo baseline (which echoes every frame, the init included).
 */
public final class LoadGenerator {
    static final long LATE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final AttributeKey<Session> SESSION = AttributeKey.valueOf("ltp.load.session");

    private final LoadOptions options;
    private final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
    private final LongAdder sent = new LongAdder();
    private final LongAdder replies = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LongAdder drops = new LongAdder();
    private final Recorder handshakeLatency = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sourceIndex = new AtomicInteger();
    private volatile boolean sending;
    private volatile boolean stopping;
    /** The measurement ended: idle sessions stop their heartbeats too. */
    private volatile boolean finished;
    private EventLoopGroup group;
    private Bootstrap bootstrap;

    LoadGenerator(LoadOptions options) {
        this.options = options;
    }

    /** Entry point; see the class documentation for options. */
    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parse(args);
        LoadReport report = new LoadGenerator(options).run();
        System.out.println(report.toText());
        if (options.jsonOut != null) {
            Files.writeString(Path.of(options.jsonOut), report.toJson() + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /** Runs the scenario and returns its report. */
    public LoadReport run() throws Exception {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(options.threads, new DefaultThreadFactory("load", true), io);
        bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                channel.attr(SESSION).get());
                    }
                });
        try {
            return options.mode == LoadOptions.Mode.HANDSHAKE ? runHandshakes() : runSessions();
        } finally {
            stopping = true;
            for (Session session : sessions) {
                session.channel.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private LoadReport runSessions() throws Exception {
        // A full GC first (with --live-heap) so that the baseline RSS holds no garbage; growth is then conservative.
        long heapBefore = liveHeap();
        long rssBefore = options.serverPid > 0 ? ProcessStats.rssBytes(options.serverPid) : -1;
        long setupStart = System.nanoTime();
        CountDownLatch ready = new CountDownLatch(options.sessions);
        Semaphore connecting = new Semaphore(options.connectConcurrency);
        for (int i = 0; i < options.sessions; i++) {
            connecting.acquire();
            connect(ready, connecting);
        }
        long setupTimeout = 60 + options.sessions / 200;
        if (!ready.await(setupTimeout, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Only " + (options.sessions - ready.getCount()) + " of "
                    + options.sessions + " sessions completed their handshake within " + setupTimeout + " s");
        }
        double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
        long handshakesDone = handshakes.sumThenReset();

        sending = true;
        if (options.mode != LoadOptions.Mode.IDLE) {
            for (Session session : sessions) {
                session.channel.eventLoop().execute(session::start);
            }
        }
        TimeUnit.MILLISECONDS.sleep(options.warmup.toMillis());
        latency.getIntervalHistogram();
        resetCounters();
        long cpuStart = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
        long start = System.nanoTime();
        Histogram histogram = measureWindow(start);
        long elapsed = System.nanoTime() - start;
        long cpuEnd = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
        long rssDuring = options.serverPid > 0 ? ProcessStats.rssBytes(options.serverPid) : -1;
        long heapDuring = liveHeap();
        long measuredReplies = replies.sum();
        long measuredLate = late.sum();
        sending = false;
        finished = true;
        long unanswered = awaitOutstanding();

        LoadReport report = new LoadReport(options, elapsed / 1e9, sent.sum(), measuredReplies, errors.sum(),
                measuredLate, unanswered, drops.sum(), histogram, handshakesDone / setupSeconds, null,
                cpuStart < 0 ? -1 : (double) (cpuEnd - cpuStart) / Math.max(1, measuredReplies),
                rssBefore, rssDuring, heapBefore, heapDuring, metrics());
        return report;
    }

    private LoadReport runHandshakes() throws Exception {
        Semaphore inFlight = new Semaphore(options.inFlight);
        long end = System.nanoTime() + options.warmup.toNanos() + options.duration.toNanos();
        long measureFrom = System.nanoTime() + options.warmup.toNanos();
        boolean measuring = false;
        long cpuStart = -1;
        long start = 0;
        while (System.nanoTime() < end) {
            if (!measuring && System.nanoTime() >= measureFrom) {
                measuring = true;
                handshakeLatency.getIntervalHistogram();
                resetCounters();
                cpuStart = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
                start = System.nanoTime();
            }
            if (inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                connect(null, inFlight);
            }
        }
        long elapsed = System.nanoTime() - start;
        long cpuEnd = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
        long done = handshakes.sum();
        inFlight.tryAcquire(options.inFlight, 10, TimeUnit.SECONDS);
        Histogram histogram = handshakeLatency.getIntervalHistogram();
        return new LoadReport(options, elapsed / 1e9, done, done, handshakeFailures.sum(), 0, 0, drops.sum(),
                null, done / (elapsed / 1e9), histogram,
                cpuStart < 0 ? -1 : (double) (cpuEnd - cpuStart) / Math.max(1, done), -1,
                options.serverPid > 0 ? ProcessStats.rssBytes(options.serverPid) : -1, -1, -1, metrics());
    }

    /**
     * Sleeps through the measurement window, collecting the latency histogram second by second; with
     * {@code --timeline true} prints each second's count and worst latency to stderr (to find stalls).
     */
    private Histogram measureWindow(long start) throws InterruptedException {
        Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        long end = start + options.duration.toNanos();
        long lastSent = sent.sum();
        for (int second = 1; System.nanoTime() < end; second++) {
            long wake = Math.min(end, start + TimeUnit.SECONDS.toNanos(second));
            TimeUnit.NANOSECONDS.sleep(Math.max(0, wake - System.nanoTime()));
            Histogram interval = latency.getIntervalHistogram();
            total.add(interval);
            if (options.timeline) {
                long nowSent = sent.sum();
                System.err.printf(java.util.Locale.ROOT, "  t=%3ds sent=%,d replies=%,d max=%.1f ms p99=%.2f ms%n",
                        second, nowSent - lastSent, interval.getTotalCount(), interval.getMaxValue() / 1000.0,
                        interval.getValueAtPercentile(99) / 1000.0);
                lastSent = nowSent;
            }
        }
        return total;
    }

    private long liveHeap() {
        return options.liveHeap && options.serverPid > 0 ? ProcessStats.liveHeapBytes(options.serverPid) : -1;
    }

    private void resetCounters() {
        sent.reset();
        replies.reset();
        errors.reset();
        late.reset();
        handshakes.reset();
        handshakeFailures.reset();
        drops.reset();
    }

    /** Waits up to 5 s for every request to be answered; returns how many were not. */
    private long awaitOutstanding() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            long outstanding = sessions.stream().mapToLong(Session::outstanding).sum();
            if (outstanding == 0) {
                return 0;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return sessions.stream().mapToLong(Session::outstanding).sum();
    }

    private void connect(CountDownLatch ready, Semaphore permits) {
        InetSocketAddress remote = new InetSocketAddress(options.url.getHost(),
                options.url.getPort() < 0 ? 80 : options.url.getPort());
        Session session = new Session(WebSocketClientHandshakerFactory.newHandshaker(options.url, WebSocketVersion.V13,
                "ltp.v0.3", false, new DefaultHttpHeaders(), 1 << 20));
        session.ready = ready;
        session.permits = permits;
        Bootstrap withSession = bootstrap.clone().attr(SESSION, session);
        ChannelFuture future;
        List<InetAddress> sources = options.sourceAddresses;
        if (sources.isEmpty()) {
            future = withSession.connect(remote);
        } else {
            InetAddress source = sources.get(Math.floorMod(sourceIndex.getAndIncrement(), sources.size()));
            future = withSession.connect(remote, new InetSocketAddress(source, 0));
        }
        future.addListener(done -> {
            if (!done.isSuccess()) {
                handshakeFailures.increment();
                permits.release();
                if (ready != null) {
                    System.err.println("connect failed: " + done.cause());
                }
            }
        });
    }

    private String metrics() {
        if (options.metricsUrl == null) {
            return null;
        }
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(options.metricsUrl).build(), HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** One connection: WebSocket upgrade, LTP handshake, then the scenario. Confined to its event loop. */
    private final class Session extends ChannelInboundHandlerAdapter {
        private final WebSocketClientHandshaker handshaker;
        private Channel channel;
        private CountDownLatch ready;
        private Semaphore permits;
        private boolean upgraded;
        private boolean acked;
        private long handshakeStart;
        private byte[] ping;
        private final LongRing outstanding = new LongRing();
        private volatile int outstandingCount;
        private long nextIntended;
        private long intervalNanos;
        private boolean closing;

        Session(WebSocketClientHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        long outstanding() {
            return outstandingCount;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            handshakeStart = System.nanoTime();
            handshaker.handshake(channel);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!upgraded) {
                    handshaker.finishHandshake(channel, (FullHttpResponse) msg);
                    upgraded = true;
                    sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"load-"
                            + System.identityHashCode(this) + "\"}");
                    return;
                }
                if (msg instanceof TextWebSocketFrame frame) {
                    onText(frame.content());
                } else if (msg instanceof CloseWebSocketFrame) {
                    channel.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onText(ByteBuf content) {
            long now = System.nanoTime();
            if (!acked) {
                acked = true;
                String text = content.toString(StandardCharsets.UTF_8);
                String thread = "t";
                String session = "s";
                if (text.contains("\"handshake_ack\"")) {
                    JsonObject ack = JsonParser.parseString(text).getAsJsonObject();
                    thread = ack.get("thread_id").getAsString();
                    session = ack.get("session_id").getAsString();
                }
                handshakes.increment();
                if (options.mode == LoadOptions.Mode.HANDSHAKE) {
                    handshakeLatency.recordValue(Math.max(1, (now - handshakeStart) / 1000));
                    closing = true;
                    channel.writeAndFlush(new CloseWebSocketFrame(1000, "done")).addListener(f -> channel.close());
                    return;
                }
                String pad = "x".repeat(Math.max(0, options.payloadBytes - 10));
                ping = ("{\"type\":\"ping\",\"thread_id\":\"" + thread + "\",\"session_id\":\"" + session
                        + "\",\"timestamp\":1731600000,\"payload\":{\"pad\":\"" + pad + "\"}}")
                        .getBytes(StandardCharsets.UTF_8);
                sessions.add(this);
                if (options.mode == LoadOptions.Mode.IDLE) {
                    start(); // heartbeats from the ack on, like a real client, even while others still connect
                }
                if (ready != null) {
                    permits.release();
                    ready.countDown();
                }
                return;
            }
            long requested = outstanding.poll();
            if (requested == Long.MIN_VALUE) {
                return; // a server-initiated message
            }
            outstandingCount--;
            long delay = now - requested;
            replies.increment();
            if (delay > LATE_NANOS) {
                late.increment();
            }
            latency.recordValue(Math.max(1, delay / 1000));
            if (content.readableBytes() > 15 && content.getByte(9) == 'e' && content.getByte(10) == 'r') {
                errors.increment(); // {"type":"error"
            }
            if (options.mode == LoadOptions.Mode.CLOSED && sending) {
                sendPing(System.nanoTime());
            }
        }

        /** Starts the scenario on this session's event loop. */
        void start() {
            switch (options.mode) {
                case CLOSED -> sendPing(System.nanoTime());
                case OPEN -> {
                    intervalNanos = (long) (1e9 * options.sessions / options.rate);
                    nextIntended = System.nanoTime() + ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
                    scheduleOpen();
                }
                case IDLE -> {
                    if (options.heartbeatOn) {
                        intervalNanos = options.heartbeat.toNanos();
                        nextIntended = System.nanoTime()
                                + ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
                        scheduleOpen();
                    }
                }
                default -> { }
            }
        }

        private void scheduleOpen() {
            long delay = nextIntended - System.nanoTime();
            channel.eventLoop().schedule(this::openSend, Math.max(0, delay), TimeUnit.NANOSECONDS);
        }

        private void openSend() {
            boolean active = options.mode == LoadOptions.Mode.IDLE ? !finished : sending;
            if (!active || !channel.isActive()) {
                return;
            }
            // Latency counts from the scheduled time, so a stalled server cannot hide its delay (no coordinated
            // omission).
            sendPing(nextIntended);
            nextIntended += intervalNanos;
            scheduleOpen();
        }

        private void sendPing(long intended) {
            outstanding.add(intended);
            outstandingCount++;
            sent.increment();
            channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(ping)), channel.voidPromise());
        }

        private void sendText(String text) {
            channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sessions.remove(this);
            if (!acked) {
                handshakeFailures.increment();
                if (permits != null) {
                    permits.release();
                }
            } else if (options.mode == LoadOptions.Mode.HANDSHAKE) {
                permits.release();
            } else if (!stopping && !closing) {
                drops.increment();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A growable ring of longs (request times of one session), no boxing. */
    private static final class LongRing {
        private long[] values = new long[16];
        private int head;
        private int size;

        void add(long value) {
            if (size == values.length) {
                long[] grown = new long[values.length * 2];
                for (int i = 0; i < size; i++) {
                    grown[i] = values[(head + i) % values.length];
                }
                values = grown;
                head = 0;
            }
            values[(head + size) % values.length] = value;
            size++;
        }

        long poll() {
            if (size == 0) {
                return Long.MIN_VALUE;
            }
            long value = values[head];
            head = (head + 1) % values.length;
            size--;
            return value;
        }
    }
}
