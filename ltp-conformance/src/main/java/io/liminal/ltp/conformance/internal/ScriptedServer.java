package io.liminal.ltp.conformance.internal;

import com.google.gson.JsonObject;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The scripted server of the client-role cases: accepts WebSocket upgrades on 127.0.0.1 (choosing the
 * subprotocol by LTP's rule) and hands each connection to the case, which sends and reads exactly what it
 * wants. Everything is recorded in the case's evidence.
 */
public final class ScriptedServer implements AutoCloseable {
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** How long a close this server starts waits for the client's close frame. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final Evidence evidence;
    private final EventLoopGroup group;
    private final Channel listener;
    private final LinkedBlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
    private final List<Connection> all = new ArrayList<>();

    private ScriptedServer(Evidence evidence) throws InterruptedException {
        this.evidence = evidence;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ltp-conformance-server", true),
                NioIoHandler.newFactory());
        this.listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new Upgrade());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static ScriptedServer start(Evidence evidence) {
        try {
            return new ScriptedServer(evidence);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The URL clients under test connect to. */
    public URI url() {
        return URI.create("ws://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + "/ltp");
    }

    /** The next upgraded connection, or {@code null} if none arrives within {@code timeout}. */
    public Connection nextConnection(Duration timeout) {
        try {
            return accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailed("interrupted");
        }
    }

    @Override
    public void close() {
        synchronized (all) {
            for (Connection connection : all) {
                connection.channel.close();
            }
        }
        listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** One upgraded connection from the client under test. */
    public final class Connection {
        private final String name;
        private final Channel channel;
        private final WebSocketServerHandshaker handshaker;
        private final List<String> offered;
        private final String selected;
        private final long openedNanos = System.nanoTime();
        private final LinkedBlockingQueue<Peer.Message> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<Peer.Close> closed = new CompletableFuture<>();
        private volatile long closedNanos;
        private boolean closeSent; // on the channel's event loop

        Connection(String name, Channel channel, WebSocketServerHandshaker handshaker, List<String> offered,
                String selected) {
            this.name = name;
            this.channel = channel;
            this.handshaker = handshaker;
            this.offered = offered;
            this.selected = selected;
        }

        /** The subprotocols the client offered, in its order. */
        public List<String> offeredSubprotocols() {
            return offered;
        }

        /** When the upgrade completed ({@link System#nanoTime()}). */
        public long openedNanos() {
            return openedNanos;
        }

        /** When the connection closed ({@link System#nanoTime()}), or 0. */
        public long closedNanos() {
            return closedNanos;
        }

        /** Sends one text message. */
        public void send(String text) {
            evidence.add(name, ">", text);
            channel.writeAndFlush(new TextWebSocketFrame(text));
        }

        /** Sends a JSON object. */
        public void send(JsonObject message) {
            send(message.toString());
        }

        /** The next message, or {@code null} if none arrives within {@code timeout}. */
        public Peer.Message next(Duration timeout) {
            try {
                return messages.poll(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CaseFailed("interrupted");
            }
        }

        /**
         * Closes with {@code code}: sends the close frame and closes the TCP connection when the client answers, or
         * after {@code CLOSE_TIMEOUT} (as a careful server does; dropping it at once would make a client that is
         * sending meanwhile meet a reset, which can discard the close frame before the client reads it).
         */
        public void close(int code, String reason) {
            evidence.add(name, ">", "close " + code + (reason.isEmpty() ? "" : " \"" + reason + "\""));
            if (closedNanos == 0) {
                closedNanos = System.nanoTime();
            }
            channel.eventLoop().execute(() -> {
                if (closeSent) {
                    return;
                }
                closeSent = true;
                channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
                channel.eventLoop().schedule(() -> {
                    channel.close();
                }, CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            });
        }

        /** Drops the TCP connection without a close handshake. */
        public void drop() {
            evidence.add(name, ">", "drop the TCP connection");
            if (closedNanos == 0) {
                closedNanos = System.nanoTime();
            }
            channel.close();
        }

        /** How the client closed the connection (1006 when it just dropped), or {@code null} within the time. */
        public Peer.Close awaitClose(Duration timeout) {
            try {
                return closed.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return null;
            } catch (ExecutionException e) {
                return new Peer.Close(1006, String.valueOf(e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CaseFailed("interrupted");
            }
        }

        /** Whether the connection is closed. */
        public boolean isClosed() {
            return closed.isDone();
        }

        void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame text) {
                String message = text.text();
                evidence.add(name, "<", message);
                messages.add(new Peer.Message(message, false));
            } else if (frame instanceof BinaryWebSocketFrame binary) {
                String message = binary.content().toString(StandardCharsets.UTF_8);
                evidence.add(name, "<", "(binary frame) " + message);
                messages.add(new Peer.Message(message, true));
            } else if (frame instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame close) {
                int code = close.statusCode() < 0 ? 1005 : close.statusCode();
                String reason = close.reasonText() == null ? "" : close.reasonText();
                evidence.add(name, "<", "close " + code + (reason.isEmpty() ? "" : " \"" + reason + "\""));
                if (closedNanos == 0) {
                    closedNanos = System.nanoTime();
                }
                closed.complete(new Peer.Close(code, reason));
                if (closeSent) {
                    ctx.channel().close(); // the client answered our close
                } else {
                    closeSent = true;
                    handshaker.close(ctx.channel(), close.retain()).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }

        void onInactive() {
            if (!closed.isDone()) {
                evidence.add(name, "<", "connection dropped (no close frame)");
                if (closedNanos == 0) {
                    closedNanos = System.nanoTime();
                }
                closed.complete(new Peer.Close(1006, "dropped"));
            }
        }
    }

    private final class Upgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            List<String> offered = new ArrayList<>();
            String header = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
            if (header != null) {
                for (String protocol : header.split(",")) {
                    if (!protocol.isBlank()) {
                        offered.add(protocol.trim());
                    }
                }
            }
            String selected = offered.contains("ltp.v0.3") ? "ltp.v0.3"
                    : offered.contains("ltp.v0.2") ? "ltp.v0.2" : null;
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    "ws://" + request.headers().get(HttpHeaderNames.HOST) + request.uri(), selected, false,
                    MAX_MESSAGE_BYTES).newHandshaker(request);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            Connection connection;
            synchronized (all) {
                connection = new Connection("server#" + (all.size() + 1), ctx.channel(), handshaker,
                        List.copyOf(offered), selected);
                all.add(connection);
            }
            Connection upgraded = connection;
            ctx.pipeline().replace(this, "frames", new SimpleChannelInboundHandler<WebSocketFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext frameContext, WebSocketFrame frame) {
                    upgraded.onFrame(frameContext, frame);
                }

                @Override
                public void channelInactive(ChannelHandlerContext frameContext) {
                    upgraded.onInactive();
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext frameContext, Throwable cause) {
                    evidence.add(upgraded.name, "!", "transport error: " + cause);
                    frameContext.close();
                }
            });
            ctx.pipeline().addBefore("frames", "aggregator", new WebSocketFrameAggregator(MAX_MESSAGE_BYTES));
            handshaker.handshake(ctx.channel(), request).addListener(done -> {
                if (done.isSuccess()) {
                    evidence.add(upgraded.name, "~", "upgraded; client offered " + offered + ", selected "
                            + (selected == null ? "none" : selected));
                    accepted.add(upgraded);
                }
            });
        }
    }
}
