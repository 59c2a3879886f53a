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
import io.netty.channel.EventLoop;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Speaks LTP over real sockets to any server URL with non-blocking I/O (Netty; one process holds tens of
 * thousands of sessions), and reports throughput, latency percentiles (HdrHistogram), stalls, drops and
 * reconnects, the server process's CPU time per message and resident memory, and what the server's
 * {@code /metrics} says about its heap and connections.
 *
 * <pre>
 * java -cp ltp-bench.jar io.liminal.ltp.bench.load.LoadGenerator --url ws://127.0.0.1:8080/ --mode closed \
 *      --sessions 100 --payload 256 --duration 30s --server-pid 1234
 * </pre>
 *
 * <p>Each session is one LTP session: it handshakes, then sends its load ({@code --message ping}, answered by
 * the server's engine, or {@code --message event}, answered by the application, with heartbeat pings alongside).
 * When its connection drops, the requests it had outstanding count as unanswered, and with {@code --reconnect}
 * (the default) it reconnects with {@code handshake_resume} for its thread and carries on; an open-loop session
 * then sends what fell due while it was away, still timed from the schedule. Replies are matched to requests in
 * order per session and kind (pongs to pings, anything else to the load), so the same generator measures LTP
 * servers and the plain echo baseline, which echoes every frame, the handshake included.
 */
public final class LoadGenerator {
    static final long LATE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("ltp.load.connection");
    private static final long FIRST_RECONNECT_DELAY_MILLIS = 50;
    private static final long MAX_RECONNECT_DELAY_MILLIS = 2_000;
    /** How far a settled second may be from the offered rate: 2%, or 5 messages (DeliveryLoad settles alike). */
    static final double SETTLED_TOLERANCE = 0.02;

    private final LoadOptions options;
    private final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
    private final Recorder handshakeLatency = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
    private final LongAdder sent = new LongAdder();
    private final LongAdder replies = new LongAdder();
    private final LongAdder heartbeatReplies = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LongAdder drops = new LongAdder();
    private final LongAdder lostOnDrop = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder reconnectFailures = new LongAdder();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sourceIndex = new AtomicInteger();
    private final AtomicInteger sessionIds = new AtomicInteger();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean sending;
    private volatile boolean stopping;
    /** The measurement ended: idle sessions stop their heartbeats and nobody reconnects. */
    private volatile boolean finished;
    private volatile LongConsumer onReconnect = total -> { };
    private volatile Runnable onMeasuring = () -> { };
    private volatile Runnable onLoadStarted = () -> { };
    private volatile ReplyWaiter replyWaiter;
    private EventLoopGroup group;
    private Bootstrap bootstrap;

    LoadGenerator(LoadOptions options) {
        this.options = options;
    }

    /** Entry point; see the class documentation for options. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && ("--help".equals(args[0]) || "-h".equals(args[0]))) {
            System.out.print(LoadOptions.USAGE);
            return;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        LoadReport report = new LoadGenerator(options).run();
        System.out.println(report.toText());
        if (options.jsonOut != null) {
            Files.writeString(Path.of(options.jsonOut), report.toJson() + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /** Called with the running total after each reconnect (tests); any thread. */
    void onReconnect(LongConsumer listener) {
        onReconnect = listener;
    }

    /** Called when every session is connected and the load starts, warm-up first (tests); the generator's thread. */
    void onLoadStarted(Runnable listener) {
        onLoadStarted = listener;
    }

    /** Called when the measurement window opens (tests); the generator's thread. */
    void onMeasuring(Runnable listener) {
        onMeasuring = listener;
    }

    /** Completes once {@code atLeast} replies to the load were counted in this window (tests); any thread. */
    CompletableFuture<Void> whenReplies(long atLeast) {
        ReplyWaiter waiter = new ReplyWaiter(atLeast, new CompletableFuture<>());
        replyWaiter = waiter;
        if (replies.sum() >= atLeast) {
            waiter.future.complete(null);
        }
        return waiter.future;
    }

    /** Replies to the load counted so far in this window (tests). */
    long repliesSoFar() {
        return replies.sum();
    }

    private record ReplyWaiter(long target, CompletableFuture<Void> future) {
    }

    /** Ends the measurement window now instead of at its duration; any thread. */
    void stop() {
        stopRequested.countDown();
    }

    /** Runs the scenario and returns its report. */
    public LoadReport run() throws Exception {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(options.threads, new DefaultThreadFactory("load", true), io);
        bootstrap = new Bootstrap()
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                channel.attr(CONNECTION).get());
                    }
                });
        try {
            return options.mode == LoadOptions.Mode.HANDSHAKE ? runHandshakes() : runSessions();
        } finally {
            stopping = true;
            finished = true;
            for (Session session : sessions) {
                session.loop.execute(session::closeConnection);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private LoadReport runSessions() throws Exception {
        // A full GC first (with --live-heap) so that the baseline RSS holds no garbage; growth is then conservative.
        long heapBefore = liveHeap();
        PrometheusText metricsBefore = PrometheusText.of(metrics());
        long rssBefore = options.serverPid > 0 ? ProcessStats.rssBytes(options.serverPid) : -1;
        long setupStart = System.nanoTime();
        CountDownLatch ready = new CountDownLatch(options.sessions);
        Semaphore connecting = new Semaphore(options.connectConcurrency);
        for (int i = 0; i < options.sessions; i++) {
            connecting.acquire();
            Session session = new Session(group.next(), ready, connecting);
            session.loop.execute(session::connect);
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
                session.loop.execute(session::start);
            }
        }
        onLoadStarted.run();
        long warmupStart = System.nanoTime();
        boolean settled = warmUp();
        double warmupSeconds = (System.nanoTime() - warmupStart) / 1e9;
        latency.getIntervalHistogram();
        resetCounters();
        long cpuStart = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
        long[] hostStart = ProcessStats.hostCpuTicks();
        long start = System.nanoTime();
        onMeasuring.run();
        Histogram histogram = measureWindow(start);
        long elapsed = System.nanoTime() - start;
        long cpuEnd = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
        double steal = ProcessStats.stealPercent(hostStart, ProcessStats.hostCpuTicks());
        long rssDuring = options.serverPid > 0 ? ProcessStats.rssBytes(options.serverPid) : -1;
        long heapDuring = liveHeap();
        PrometheusText metricsDuring = PrometheusText.of(metrics());
        long measuredReplies = replies.sum();
        long measuredLate = late.sum();
        sending = false;
        finished = true;
        long unanswered = awaitOutstanding() + lostOnDrop.sum();

        return new LoadReport(options, elapsed / 1e9, sent.sum(), measuredReplies, heartbeatReplies.sum(),
                errors.sum(), measuredLate, unanswered, drops.sum(), reconnects.sum(), reconnectFailures.sum(),
                histogram, handshakesDone / setupSeconds, null,
                cpuStart < 0 ? -1 : (double) (cpuEnd - cpuStart) / Math.max(1, measuredReplies), steal,
                warmupSeconds, settled, rssBefore, rssDuring, heapBefore, heapDuring,
                ServerMetricsReading.of(metricsBefore, metricsDuring));
    }

    private LoadReport runHandshakes() throws Exception {
        Semaphore inFlight = new Semaphore(options.inFlight);
        long end = System.nanoTime() + options.warmup.toNanos() + options.duration.toNanos();
        long measureFrom = System.nanoTime() + options.warmup.toNanos();
        boolean measuring = false;
        long cpuStart = -1;
        long[] hostStart = null;
        long start = 0;
        while (System.nanoTime() < end && stopRequested.getCount() > 0) {
            if (!measuring && System.nanoTime() >= measureFrom) {
                measuring = true;
                handshakeLatency.getIntervalHistogram();
                resetCounters();
                cpuStart = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
                hostStart = ProcessStats.hostCpuTicks();
                start = System.nanoTime();
                onMeasuring.run();
            }
            if (inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                Session session = new Session(group.next(), null, inFlight);
                session.loop.execute(session::connect);
            }
        }
        long elapsed = System.nanoTime() - start;
        long cpuEnd = options.serverPid > 0 ? ProcessStats.cpuNanos(options.serverPid) : -1;
        double steal = ProcessStats.stealPercent(hostStart, ProcessStats.hostCpuTicks());
        long done = handshakes.sum();
        inFlight.tryAcquire(options.inFlight, 10, TimeUnit.SECONDS);
        Histogram histogram = handshakeLatency.getIntervalHistogram();
        return new LoadReport(options, elapsed / 1e9, done, done, 0, handshakeFailures.sum(), 0, 0, drops.sum(), 0,
                0, null, done / (elapsed / 1e9), histogram,
                cpuStart < 0 ? -1 : (double) (cpuEnd - cpuStart) / Math.max(1, done), steal,
                options.warmup.toNanos() / 1e9, true, -1,
                options.serverPid > 0 ? ProcessStats.rssBytes(options.serverPid) : -1, -1, -1,
                ServerMetricsReading.NONE);
    }

    /**
     * Runs the load for {@code --warmup}; then, in open mode, second by second until one whole second both sent
     * and answered the offered rate, at most {@code --settle} longer. A cold server (and generator: on 2 cores they
     * share the CPU) falls behind the schedule at first; the sends it owes then go out late in a burst, and their
     * queueing would otherwise be measured as the steady state. Returns whether it settled.
     */
    private boolean warmUp() throws InterruptedException {
        boolean settles = options.mode == LoadOptions.Mode.OPEN && !options.settleMax.isZero();
        if (stopRequested.await(options.warmup.toMillis(), TimeUnit.MILLISECONDS) || !settles) {
            return !settles;
        }
        long deadline = System.nanoTime() + options.settleMax.toNanos();
        while (System.nanoTime() < deadline) {
            long sentBefore = sent.sum();
            long repliesBefore = replies.sum();
            long from = System.nanoTime();
            if (stopRequested.await(1, TimeUnit.SECONDS)) {
                return false;
            }
            double seconds = (System.nanoTime() - from) / 1e9;
            if (atOfferedRate((sent.sum() - sentBefore) / seconds)
                    && atOfferedRate((replies.sum() - repliesBefore) / seconds)) {
                return true;
            }
        }
        return false;
    }

    private boolean atOfferedRate(double perSecond) {
        return Math.abs(perSecond - options.rate) <= Math.max(options.rate * SETTLED_TOLERANCE, 5);
    }

    /**
     * Waits through the measurement window (or until {@link #stop()}), collecting the latency histogram second by
     * second; with {@code --timeline true} prints each second's count and worst latency to stderr (to find stalls).
     */
    private Histogram measureWindow(long start) throws InterruptedException {
        Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        long end = start + options.duration.toNanos();
        long lastSent = sent.sum();
        for (int second = 1; System.nanoTime() < end; second++) {
            long wake = Math.min(end, start + TimeUnit.SECONDS.toNanos(second));
            boolean stopped = stopRequested.await(Math.max(0, wake - System.nanoTime()), TimeUnit.NANOSECONDS);
            Histogram interval = latency.getIntervalHistogram();
            total.add(interval);
            if (options.timeline) {
                long nowSent = sent.sum();
                System.err.printf(java.util.Locale.ROOT, "  t=%3ds sent=%,d replies=%,d max=%.1f ms p99=%.2f ms%n",
                        second, nowSent - lastSent, interval.getTotalCount(), interval.getMaxValue() / 1000.0,
                        interval.getValueAtPercentile(99) / 1000.0);
                lastSent = nowSent;
            }
            if (stopped) {
                break;
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
        heartbeatReplies.reset();
        errors.reset();
        late.reset();
        handshakes.reset();
        handshakeFailures.reset();
        drops.reset();
        lostOnDrop.reset();
        reconnects.reset();
        reconnectFailures.reset();
    }

    /** Waits up to 5 s for every request on a live connection to be answered; returns how many were not. */
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

    private String metrics() {
        if (options.metricsUrl == null) {
            return null;
        }
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(options.metricsUrl).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * One LTP session across its connections: ids, the requests it waits for, and its send schedule. Confined to
     * its event loop, on which all its connections run too.
     */
    private final class Session {
        final EventLoop loop;
        private final CountDownLatch ready;
        private final Semaphore permits;
        private final String clientId = "load-" + sessionIds.incrementAndGet();
        private final LongRing requests = new LongRing();
        private final LongRing heartbeats = new LongRing();
        private volatile int outstandingCount;
        private Connection connection;
        private String threadId;
        private String sessionId;
        private byte[] request;
        private byte[] ping;
        private boolean everAcked;
        private boolean started;
        /** Bumped at every (re)start, so that timers of an earlier connection stop. */
        private int generation;
        private long nextIntended;
        private long intervalNanos;
        private long reconnectDelayMillis = FIRST_RECONNECT_DELAY_MILLIS;

        Session(EventLoop loop, CountDownLatch ready, Semaphore permits) {
            this.loop = loop;
            this.ready = ready;
            this.permits = permits;
        }

        long outstanding() {
            return outstandingCount;
        }

        void connect() {
            InetSocketAddress remote = new InetSocketAddress(options.url.getHost(),
                    options.url.getPort() < 0 ? 80 : options.url.getPort());
            Connection next = new Connection(this, WebSocketClientHandshakerFactory.newHandshaker(options.url,
                    WebSocketVersion.V13, "ltp.v0.3", false, new DefaultHttpHeaders(), 1 << 20));
            connection = next;
            Bootstrap withConnection = bootstrap.clone(loop).attr(CONNECTION, next);
            ChannelFuture future;
            List<InetAddress> sources = options.sourceAddresses;
            if (sources.isEmpty()) {
                future = withConnection.connect(remote);
            } else {
                InetAddress source = sources.get(Math.floorMod(sourceIndex.getAndIncrement(), sources.size()));
                future = withConnection.connect(remote, new InetSocketAddress(source, 0));
            }
            future.addListener(done -> {
                if (!done.isSuccess()) {
                    connectFailed(next, done.cause());
                }
            });
        }

        private void connectFailed(Connection failed, Throwable cause) {
            if (connection != failed) {
                return;
            }
            connection = null;
            if (everAcked) {
                reconnectFailures.increment();
                scheduleReconnect();
            } else {
                handshakeFailures.increment();
                permits.release();
                if (ready != null) {
                    System.err.println("connect failed: " + cause);
                }
            }
        }

        /** What the first frame after the upgrade is: a resume once the session has a thread. */
        String hello() {
            if (threadId == null) {
                return "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId + "\"}";
            }
            return "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                    + "\",\"thread_id\":\"" + threadId + "\"}";
        }

        /** The connection's handshake answer arrived. */
        void onHandshakeAnswer(Connection from, ByteBuf content, long now) {
            String text = content.toString(StandardCharsets.UTF_8);
            if (text.contains("\"handshake_reject\"")) {
                threadId = null; // the thread is gone: start a new one on the same connection
                from.sendText(hello());
                return;
            }
            from.acked = true;
            if (text.contains("\"handshake_ack\"")) {
                JsonObject ack = JsonParser.parseString(text).getAsJsonObject();
                threadId = ack.get("thread_id").getAsString();
                sessionId = ack.get("session_id").getAsString();
            } else { // the echo baseline echoed our handshake
                threadId = "t";
                sessionId = "s";
            }
            buildFrames();
            if (options.mode == LoadOptions.Mode.HANDSHAKE) {
                handshakes.increment();
                handshakeLatency.recordValue(Math.max(1, (now - from.handshakeStart) / 1000));
                from.closeGracefully();
                return;
            }
            reconnectDelayMillis = FIRST_RECONNECT_DELAY_MILLIS;
            if (!everAcked) {
                everAcked = true;
                handshakes.increment();
                sessions.add(this);
                if (options.mode == LoadOptions.Mode.IDLE) {
                    start(); // heartbeats from the ack on, like a real client, even while others still connect
                }
                permits.release();
                ready.countDown();
            } else {
                onReconnect.accept(count(reconnects));
                if (started) {
                    start();
                }
            }
        }

        private void buildFrames() {
            String ids = "\"thread_id\":\"" + threadId + "\",\"session_id\":\"" + sessionId + "\"";
            String pad = "x".repeat(Math.max(0, options.payloadBytes - 10));
            ping = ("{\"type\":\"ping\"," + ids + ",\"timestamp\":1731600000,\"payload\":{\"pad\":\"" + pad + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            request = options.message == LoadOptions.Message.PING || options.mode == LoadOptions.Mode.IDLE ? ping
                    : ("{\"type\":\"event\"," + ids + ",\"timestamp\":1731600000,\"payload\":{\"event_type\":\"load\","
                            + "\"data\":{\"pad\":\"" + pad + "\"}}}").getBytes(StandardCharsets.UTF_8);
        }

        /** Starts (or, after a reconnect, resumes) the scenario on the current connection. */
        void start() {
            started = true;
            if (!connected()) {
                return; // dropped meanwhile: the reconnect starts it
            }
            int run = ++generation;
            switch (options.mode) {
                case CLOSED -> {
                    if (requests.size() == 0) {
                        sendRequest(System.nanoTime());
                    }
                }
                case OPEN -> {
                    if (nextIntended == 0) {
                        intervalNanos = (long) (1e9 * options.sessions / options.rate);
                        nextIntended = System.nanoTime()
                                + ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
                    }
                    scheduleOpen(run); // after a reconnect: at once for what fell due meanwhile
                }
                case IDLE -> {
                    if (options.heartbeatOn) {
                        if (nextIntended == 0) {
                            intervalNanos = options.heartbeat.toNanos();
                            nextIntended = System.nanoTime()
                                    + ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
                        }
                        scheduleOpen(run);
                    }
                }
                default -> { }
            }
            if (sendsSeparateHeartbeats()) {
                long interval = options.heartbeat.toNanos();
                scheduleHeartbeat(run, ThreadLocalRandom.current().nextLong(Math.max(1, interval)));
            }
        }

        private boolean sendsSeparateHeartbeats() {
            return options.message == LoadOptions.Message.EVENT && options.heartbeatOn
                    && options.mode != LoadOptions.Mode.IDLE;
        }

        private void scheduleOpen(int run) {
            long delay = nextIntended - System.nanoTime();
            loop.schedule(() -> openSend(run), Math.max(0, delay), TimeUnit.NANOSECONDS);
        }

        private void openSend(int run) {
            boolean active = options.mode == LoadOptions.Mode.IDLE ? !finished : sending;
            if (!active || run != generation || !connected()) {
                return; // ended, or the connection dropped: the reconnect resumes the schedule
            }
            // Latency counts from the scheduled time, so a stalled server cannot hide its delay (no coordinated
            // omission).
            sendRequest(nextIntended);
            nextIntended += intervalNanos;
            scheduleOpen(run);
        }

        private void scheduleHeartbeat(int run, long delayNanos) {
            loop.schedule(() -> {
                if (!sending || run != generation || !connected()) {
                    return;
                }
                heartbeats.add(System.nanoTime());
                outstandingCount++;
                connection.channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(ping)),
                        connection.channel.voidPromise());
                scheduleHeartbeat(run, options.heartbeat.toNanos());
            }, delayNanos, TimeUnit.NANOSECONDS);
        }

        private boolean connected() {
            return connection != null && connection.acked && connection.channel.isActive();
        }

        private void sendRequest(long intended) {
            requests.add(intended);
            outstandingCount++;
            sent.increment();
            connection.channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(request)),
                    connection.channel.voidPromise());
        }

        /** A frame after the handshake. */
        void onReply(ByteBuf content, long now) {
            // {"type":"pong"... (or the baseline's echoed ping) answers a heartbeat when heartbeats are separate.
            boolean heartbeat = sendsSeparateHeartbeats() && content.readableBytes() > 10 && content.getByte(9) == 'p';
            long requested = heartbeat ? heartbeats.poll() : requests.poll();
            if (requested == Long.MIN_VALUE) {
                return; // a server-initiated message
            }
            outstandingCount--;
            long delay = now - requested;
            if (delay > LATE_NANOS) {
                late.increment();
            }
            if (heartbeat) {
                heartbeatReplies.increment();
                return;
            }
            replies.increment();
            ReplyWaiter waiter = replyWaiter;
            if (waiter != null && replies.sum() >= waiter.target) {
                waiter.future.complete(null);
            }
            latency.recordValue(Math.max(1, delay / 1000));
            if (content.readableBytes() > 15 && content.getByte(9) == 'e' && content.getByte(10) == 'r') {
                errors.increment(); // {"type":"error"
            }
            if (options.mode == LoadOptions.Mode.CLOSED && sending && connected()) {
                sendRequest(System.nanoTime());
            }
        }

        /** The connection closed. */
        void onDisconnected(Connection closed) {
            if (connection != closed) {
                return;
            }
            connection = null;
            if (options.mode == LoadOptions.Mode.HANDSHAKE) {
                if (!closed.acked) {
                    handshakeFailures.increment();
                }
                permits.release();
                return;
            }
            if (!everAcked) {
                handshakeFailures.increment();
                permits.release();
                return;
            }
            if (stopping || closed.closing) {
                return;
            }
            drops.increment();
            // Nobody answers on a dead connection: what it waited for is lost, whether or not it reconnects.
            int lost = requests.size() + heartbeats.size();
            requests.clear();
            heartbeats.clear();
            outstandingCount -= lost;
            lostOnDrop.add(lost);
            if (options.reconnect && !finished) {
                scheduleReconnect();
            }
        }

        private void scheduleReconnect() {
            if (finished) {
                return;
            }
            long delay = reconnectDelayMillis + ThreadLocalRandom.current().nextLong(reconnectDelayMillis);
            reconnectDelayMillis = Math.min(MAX_RECONNECT_DELAY_MILLIS, reconnectDelayMillis * 2);
            loop.schedule(() -> {
                if (!finished && connection == null) {
                    connect();
                }
            }, delay, TimeUnit.MILLISECONDS);
        }

        void closeConnection() {
            if (connection != null && connection.channel != null) {
                connection.channel.close();
            }
        }
    }

    private static long count(LongAdder adder) {
        adder.increment();
        return adder.sum();
    }

    /** One socket of a session: WebSocket upgrade, LTP handshake, then frames for the session. */
    private static final class Connection extends ChannelInboundHandlerAdapter {
        private final Session session;
        private final WebSocketClientHandshaker handshaker;
        private Channel channel;
        private boolean upgraded;
        private boolean acked;
        private boolean closing;
        private long handshakeStart;

        Connection(Session session, WebSocketClientHandshaker handshaker) {
            this.session = session;
            this.handshaker = handshaker;
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
                    sendText(session.hello());
                    return;
                }
                if (msg instanceof TextWebSocketFrame frame) {
                    long now = System.nanoTime();
                    if (acked) {
                        session.onReply(frame.content(), now);
                    } else {
                        session.onHandshakeAnswer(this, frame.content(), now);
                    }
                } else if (msg instanceof CloseWebSocketFrame) {
                    channel.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        void sendText(String text) {
            channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
        }

        void closeGracefully() {
            closing = true;
            channel.writeAndFlush(new CloseWebSocketFrame(1000, "done")).addListener(f -> channel.close());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            session.onDisconnected(this);
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

        int size() {
            return size;
        }

        void clear() {
            head = 0;
            size = 0;
        }
    }
}
