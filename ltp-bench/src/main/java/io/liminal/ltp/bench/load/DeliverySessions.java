package io.liminal.ltp.bench.load;

import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.internal.Backoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
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
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Recorder;

/**
 * LTP sessions that speak {@code delivery-v1} the way ltp-client does, over Netty, so that one process drives
 * thousands of them without a thread each: events numbered per client instance, kept until the server acknowledges
 * them and resent after a resume from the ack's {@code last_processed}; the server's numbered replies processed
 * once (a replayed number at or below {@code last_received} is dropped) and acknowledged cumulatively as ltp-client
 * does (at once every {@value #ACK_EVERY} processed, else {@value #ACK_DELAY_MILLIS} ms after); heartbeat pings;
 * reconnection with ltp-client's default backoff (1 s doubling to 30 s, 10 % jitter).
 *
 * <p>The server must answer each event with one reply, in order (the standalone server's reference handler does):
 * reply k of a session then answers its event k, which gives the latency and the loss check. Each session's state
 * lives on one event loop.
 */
final class DeliverySessions implements AutoCloseable {
    private static final long PING_EVERY_MILLIS = 10_000;
    /** ltp-client's ack policy (ClientEngine): replies processed before an ack goes out at once. */
    static final int ACK_EVERY = 32;
    /** ltp-client's ack policy: how long fewer replies wait for their ack. */
    static final long ACK_DELAY_MILLIS = 50;

    private final URI uri;
    private final boolean delivery;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final List<Session> sessions = new ArrayList<>();
    final LongAdder sent = new LongAdder();
    final LongAdder answered = new LongAdder();
    final LongAdder handshakes = new LongAdder();
    final LongAdder resumes = new LongAdder();
    final LongAdder rejects = new LongAdder();
    /** Refusals by error code. */
    final java.util.concurrent.ConcurrentMap<String, LongAdder> rejectReasons =
            new java.util.concurrent.ConcurrentHashMap<>();
    final LongAdder drops = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder errors = new LongAdder();
    /** Replayed replies at or below what a session had processed: dropped, as ltp-client drops them. */
    final LongAdder replayedAgain = new LongAdder();
    final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
    private volatile boolean reconnect = true;
    private final AtomicInteger caughtUp = new AtomicInteger();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

    DeliverySessions(URI uri, boolean delivery, int threads) {
        this.uri = uri;
        this.delivery = delivery;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("delivery-load", true), io);
        bootstrap = new Bootstrap()
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
    }

    /** Makes {@code count} sessions and connects them, at most {@code pending} handshakes at a time. */
    CompletableFuture<Void> connect(int count, int pending) {
        List<Session> made = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Session session = new Session("delivery-load-" + sessions.size(), group.next());
            sessions.add(session);
            made.add(session);
        }
        CompletableFuture<Void> all = new CompletableFuture<>();
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(pending);
        Thread starter = new Thread(() -> {
            try {
                for (Session session : made) {
                    permits.acquire();
                    session.firstAck.whenComplete((v, e) -> permits.release());
                    session.loop.execute(session::connect);
                }
                CompletableFuture.allOf(made.stream().map(s -> s.firstAck).toArray(CompletableFuture[]::new))
                        .whenComplete((v, e) -> all.complete(null));
            } catch (InterruptedException e) {
                all.completeExceptionally(e);
            }
        }, "delivery-load-connect");
        starter.setDaemon(true);
        starter.start();
        return all;
    }

    List<Session> sessions() {
        return sessions;
    }

    /** Each session keeps {@code window} events unanswered (0: stops adding). */
    void closedLoop(int window) {
        for (Session session : sessions) {
            session.loop.execute(() -> {
                session.window = window;
                session.generating = window > 0;
                if (session.generating) {
                    session.notCaughtUp();
                }
                session.topUp();
                session.checkCaughtUp();
            });
        }
    }

    /** Sends {@code perSecond} events in total, spread evenly over the sessions, until {@link #stopSending}. */
    void openLoop(double perSecond) {
        long intervalNanos = (long) (sessions.size() * 1e9 / perSecond);
        for (Session session : sessions) {
            session.loop.execute(() -> session.startOpenLoop(intervalNanos));
        }
    }

    /** No new events from here on (what was sent is still resent and answered). */
    void stopSending() {
        for (Session session : sessions) {
            session.loop.execute(() -> {
                session.window = 0;
                session.generation++;
                session.stopOpenLoop();
                session.generating = false;
                session.checkCaughtUp();
            });
        }
    }

    /** Events sent and not answered yet, over all sessions. */
    long unanswered() {
        return sent.sum() - answered.sum();
    }

    /** Waits until every event sent was answered, or the timeout; returns how many are still unanswered. */
    long awaitAnswered(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            when(() -> unanswered() <= 0).get(timeout, unit);
        } catch (ExecutionException | TimeoutException e) {
            // reported as what is still unanswered
        }
        return unanswered();
    }

    /** Sessions that are resumed and have every event they sent processed and answered. */
    int caughtUpSessions() {
        return caughtUp.get();
    }

    /**
     * Completes once {@code condition} holds; it is checked now and whenever a session makes progress (a handshake,
     * an answer, an acknowledgement), on that session's event loop, so it must be cheap and thread-safe.
     */
    CompletableFuture<Void> when(BooleanSupplier condition) {
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        progressed();
        return waiter.done;
    }

    private void progressed() {
        for (Waiter waiter : waiters) {
            if (waiter.condition.getAsBoolean() && waiter.done.complete(null)) {
                waiters.remove(waiter);
            }
        }
    }

    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> done) {
    }

    @Override
    public void close() {
        reconnect = false;
        for (Session session : sessions) {
            session.loop.execute(session::close);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** One client instance on one thread. Confined to {@link #loop}. */
    final class Session {
        final String clientId;
        final String instance = UUID.randomUUID().toString();
        final EventLoop loop;
        final CompletableFuture<Void> firstAck = new CompletableFuture<>();
        String threadId;
        String sessionId;
        Channel channel;
        private boolean ready;
        /** The number the next new event gets; events 1..nextSeq-1 exist. */
        long nextSeq = 1;
        /** The highest event the server acknowledged as processed. */
        long processedByServer;
        /** The highest reply number processed here. */
        long lastReceived;
        /** Replies processed: reply k answers event k. */
        long replies;
        /** Send times by event number, modulo its size: bounds the unanswered events whose latency is right. */
        private final long[] sentAt = new long[1 << 10];
        /** The highest reply number acknowledged on this connection (or announced in its hello). */
        private long ackedThrough;
        private boolean ackScheduled;
        private int window;
        /** Whether new events are being made (closed or open loop): a session making them is never caught up. */
        private boolean generating;
        private int generation;
        private ScheduledFuture<?> openLoopTask;
        private int attempt;
        /** When the last handshake_ack arrived (nanoTime), and whether it resumed. */
        volatile long ackedAtNanos;
        volatile long caughtUpAtNanos;

        Session(String clientId, EventLoop loop) {
            this.clientId = clientId;
            this.loop = loop;
        }

        void connect() {
            WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri,
                    WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 1 << 20);
            DeliveryConnection connection = new DeliveryConnection(this, handshaker);
            bootstrap.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), connection);
                }
            }).connect(uri.getHost(), uri.getPort()).addListener(f -> {
                if (!f.isSuccess()) {
                    connectFailures.increment();
                    retryLater();
                }
            });
        }

        String hello() {
            ackedThrough = lastReceived;
            String deliveryMember = delivery ? ",\"delivery\":{\"version\":1,\"instance\":\"" + instance
                    + "\",\"last_received\":" + lastReceived + "}" : "";
            if (threadId == null) {
                return "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId + "\""
                        + (delivery ? ",\"capabilities\":[\"delivery-v1\"]" : "") + deliveryMember + "}";
            }
            return "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"" + clientId
                    + "\",\"thread_id\":\"" + threadId + "\"" + deliveryMember + "}";
        }

        void onHandshakeAnswer(Channel from, String text) {
            if (!text.contains("\"handshake_ack\"")) {
                rejects.increment();
                String code = DeliveryConnection.stringMember(text, "error_code");
                rejectReasons.computeIfAbsent(code == null ? text.substring(0, Math.min(80, text.length())) : code,
                        k -> new LongAdder()).increment();
                from.close();
                return;
            }
            boolean resumed = threadId != null;
            threadId = DeliveryConnection.stringMember(text, "thread_id");
            sessionId = DeliveryConnection.stringMember(text, "session_id");
            if (delivery) {
                long lastProcessed = DeliveryConnection.numberMember(text, "last_processed");
                if (lastProcessed < 0) {
                    errors.increment(); // the server did not take the extension
                    from.close();
                    return;
                }
                processedByServer = Math.max(processedByServer, lastProcessed);
            }
            channel = from;
            ready = true;
            attempt = 0;
            ackedAtNanos = System.nanoTime();
            (resumed ? resumes : handshakes).increment();
            firstAck.complete(null);
            for (long seq = processedByServer + 1; seq < nextSeq; seq++) {
                write(seq); // unacknowledged events, in order, with their numbers
            }
            topUp();
            checkCaughtUp();
            schedulePing(from);
        }

        void onMessage(String text) {
            if (text.startsWith("{\"type\":\"delivery:ack\"")) {
                processedByServer = Math.max(processedByServer, DeliveryConnection.numberMember(text, "through"));
                checkCaughtUp();
                return;
            }
            if (text.startsWith("{\"type\":\"pong\"")) {
                return;
            }
            if (text.startsWith("{\"type\":\"error\"")) {
                errors.increment();
                return;
            }
            if (delivery) {
                long seq = DeliveryConnection.numberMember(text, "seq");
                if (seq <= 0) {
                    return; // unnumbered: not a reply to a numbered event
                }
                if (seq <= lastReceived) {
                    replayedAgain.increment();
                    return;
                }
                lastReceived = seq;
            }
            replies++;
            answered.increment();
            long at = sentAt[(int) (replies & (sentAt.length - 1))];
            if (at != 0) {
                latency.recordValue(Math.max(1, System.nanoTime() - at));
            }
            checkCaughtUp();
            topUp();
        }

        /** After a read burst: one cumulative ack now if a window is processed, else one after the delay. */
        void flushAck() {
            if (!ready || lastReceived <= ackedThrough) {
                return;
            }
            if (lastReceived - ackedThrough >= ACK_EVERY) {
                ack();
            } else if (!ackScheduled) {
                ackScheduled = true;
                loop.schedule(() -> {
                    ackScheduled = false;
                    if (ready && lastReceived > ackedThrough) {
                        ack();
                    }
                }, ACK_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        private void ack() {
            ackedThrough = lastReceived;
            channel.writeAndFlush(new TextWebSocketFrame("{\"type\":\"delivery:ack\",\"thread_id\":\"" + threadId
                    + "\",\"session_id\":\"" + sessionId + "\",\"timestamp\":1731600000,\"payload\":{\"through\":"
                    + lastReceived + "}}"), channel.voidPromise());
        }

        private void topUp() {
            while (ready && nextSeq - 1 - replies < window) {
                sendNew();
            }
        }

        private void startOpenLoop(long intervalNanos) {
            int run = ++generation;
            generating = true;
            notCaughtUp();
            long offset = ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
            long[] due = {System.nanoTime() + offset};
            stopOpenLoop();
            openLoopTask = loop.scheduleAtFixedRate(() -> {
                if (generation == run) {
                    sendNew(due[0]);
                    due[0] += intervalNanos;
                }
            }, offset, intervalNanos, TimeUnit.NANOSECONDS);
        }

        /** Cancels the open loop's timer, if any (one left running would tick through later phases). */
        void stopOpenLoop() {
            if (openLoopTask != null) {
                openLoopTask.cancel(false);
                openLoopTask = null;
            }
        }

        private void sendNew() {
            sendNew(System.nanoTime());
        }

        /**
         * A new event: numbered, timed from {@code dueNanos} (in the open loop, when its schedule said to send it,
         * so a stall of either side is measured, not hidden), and written now or, while offline, on the next resume.
         */
        private void sendNew(long dueNanos) {
            long seq = nextSeq++;
            sentAt[(int) (seq & (sentAt.length - 1))] = dueNanos;
            sent.increment();
            if (ready) {
                write(seq);
            }
        }

        private void write(long seq) {
            channel.writeAndFlush(new TextWebSocketFrame("{\"type\":\"event\",\"thread_id\":\"" + threadId
                    + "\",\"session_id\":\"" + sessionId + "\",\"timestamp\":1731600000"
                    + (delivery ? ",\"seq\":" + seq : "") + ",\"payload\":{\"event_type\":\"load\",\"data\":{\"n\":"
                    + seq + "}}}"), channel.voidPromise());
        }

        /** Not making new events, and every event sent so far was processed and answered. */
        boolean caughtUp() {
            return ready && !generating && processedByServer >= nextSeq - 1 && replies >= nextSeq - 1;
        }

        private void notCaughtUp() {
            if (caughtUpAtNanos != 0) {
                caughtUpAtNanos = 0;
                caughtUp.decrementAndGet();
            }
        }

        /** Notes when the session caught up, and tells the waiters that it made progress. */
        private void checkCaughtUp() {
            if (caughtUpAtNanos == 0 && caughtUp()) {
                caughtUpAtNanos = System.nanoTime();
                caughtUp.incrementAndGet();
            }
            progressed();
        }

        private void schedulePing(Channel on) {
            loop.schedule(() -> {
                if (channel == on && on.isActive()) {
                    on.writeAndFlush(new TextWebSocketFrame("{\"type\":\"ping\",\"thread_id\":\"" + threadId
                            + "\",\"session_id\":\"" + sessionId + "\",\"timestamp\":1731600000,\"payload\":{}}"),
                            on.voidPromise());
                    schedulePing(on);
                }
            }, PING_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        }

        void onClosed(Channel closed) {
            if (channel == closed) {
                channel = null;
                ready = false;
                notCaughtUp(); // caught up again only once resumed
                drops.increment();
            }
            retryLater();
        }

        /** ltp-client's default reconnect delay for this attempt. */
        private void retryLater() {
            if (!reconnect || channel != null) {
                return;
            }
            long delay = Backoff.intervals(LtpClient.DEFAULT_BACKOFF_BASE, LtpClient.DEFAULT_BACKOFF_MAX, 0.1,
                    ThreadLocalRandom.current()::nextDouble).apply(++attempt, null);
            loop.schedule(() -> {
                if (reconnect && channel == null) {
                    connect();
                }
            }, delay, TimeUnit.MILLISECONDS);
        }

        void close() {
            if (channel != null) {
                Channel c = channel;
                channel = null;
                ready = false;
                c.writeAndFlush(new CloseWebSocketFrame(1000, "done")).addListener(f -> c.close());
            }
        }
    }
}
