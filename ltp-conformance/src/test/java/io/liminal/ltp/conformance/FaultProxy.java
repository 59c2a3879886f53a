package io.liminal.ltp.conformance;

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
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket relay that breaks one rule of LTP on purpose: it sits between a client and a server and lets a
 * {@link Fault} rewrite, drop, or inject messages in either direction, choose the subprotocol, or close. The
 * conformance suite's own tests put it in front of ltp-server (faulty servers) and behind ltp-client (faulty
 * clients) to show that each fault is caught by the case that should catch it.
 */
final class FaultProxy implements AutoCloseable {
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** What a faulty relay does differently from a faithful one. Every method defaults to faithful. */
    interface Fault {
        /** Messages to forward to the server for one the client sent (empty list: drop it). */
        default List<String> toServer(String text, Link link) {
            return List.of(text);
        }

        /** Messages to forward to the client for one the server sent. */
        default List<String> toClient(String text, Link link) {
            return List.of(text);
        }

        /** The subprotocols offered upstream, given what the client offered. */
        default List<String> offerUpstream(List<String> offered) {
            return offered;
        }

        /** The subprotocol selected for the client, given the client's offer and the server's choice. */
        default String selectForClient(List<String> offered, String serverSelected) {
            return serverSelected;
        }

        /** Whether a close from the server is passed on to the client. */
        default boolean forwardServerClose(int code) {
            return true;
        }
    }

    /** One relayed connection, as seen by a fault. */
    interface Link {
        void sendToClient(String text);

        /** Sends {@code text} to the client in a binary frame (LTP messages are text). */
        void sendBinaryToClient(String text);

        void sendToServer(String text);

        void closeClient(int code, String reason);

        /** Closes the server side as if the client had closed with {@code code}, and drops the client. */
        void closeServer(int code, String reason);

        /** State a fault may keep per connection. */
        java.util.Map<String, Object> state();
    }

    private final URI upstream;
    private final Fault fault;
    private final EventLoopGroup group;
    private final Channel listener;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Channel> channels = new ArrayList<>();

    FaultProxy(URI upstream, Fault fault) throws InterruptedException {
        this.upstream = upstream;
        this.fault = fault;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fault-proxy", true),
                NioIoHandler.newFactory());
        this.listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        synchronized (channels) {
                            channels.add(channel);
                        }
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new Upgrade());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    URI url() {
        return URI.create("ws://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort()
                + upstream.getRawPath());
    }

    @Override
    public void close() {
        synchronized (channels) {
            channels.forEach(Channel::close);
        }
        listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
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
            Relay relay = new Relay(ctx.channel());
            request.retain();
            WebSocket.Builder builder = http.newWebSocketBuilder();
            List<String> upstreamOffer = fault.offerUpstream(offered);
            if (!upstreamOffer.isEmpty()) {
                builder.subprotocols(upstreamOffer.get(0),
                        upstreamOffer.subList(1, upstreamOffer.size()).toArray(String[]::new));
            }
            builder.buildAsync(upstream, relay).whenComplete((socket, error) -> ctx.channel().eventLoop().execute(() -> {
                try {
                    if (error != null) {
                        ctx.close();
                        return;
                    }
                    relay.server = socket;
                    String serverSelected = socket.getSubprotocol() == null || socket.getSubprotocol().isEmpty()
                            ? null : socket.getSubprotocol();
                    String selected = fault.selectForClient(offered, serverSelected);
                    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                            "ws://" + request.headers().get(HttpHeaderNames.HOST) + request.uri(), selected, false,
                            MAX_MESSAGE_BYTES).newHandshaker(request);
                    relay.handshaker = handshaker;
                    ctx.pipeline().replace(Upgrade.this, "relay", relay.downstream());
                    ctx.pipeline().addBefore("relay", "aggregator", new WebSocketFrameAggregator(MAX_MESSAGE_BYTES));
                    handshaker.handshake(ctx.channel(), request);
                } finally {
                    request.release();
                }
            }));
        }
    }

    /** One client connection and its upstream connection. */
    private final class Relay implements WebSocket.Listener, Link {
        private final Channel client;
        private final java.util.Map<String, Object> state = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile WebSocket server;
        private WebSocketServerHandshaker handshaker;
        private final StringBuilder partial = new StringBuilder();

        Relay(Channel client) {
            this.client = client;
        }

        SimpleChannelInboundHandler<WebSocketFrame> downstream() {
            return new SimpleChannelInboundHandler<>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                    if (frame instanceof TextWebSocketFrame text) {
                        for (String out : fault.toServer(text.text(), Relay.this)) {
                            sendToServer(out);
                        }
                    } else if (frame instanceof PingWebSocketFrame ping) {
                        ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                    } else if (frame instanceof CloseWebSocketFrame close) {
                        server.sendClose(close.statusCode() < 0 ? 1000 : close.statusCode(),
                                close.reasonText() == null ? "" : close.reasonText());
                        handshaker.close(ctx.channel(), close.retain()).addListener(ChannelFutureListener.CLOSE);
                    }
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    if (server != null) {
                        server.abort();
                    }
                }
            };
        }

        @Override
        public void sendBinaryToClient(String text) {
            client.writeAndFlush(new io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame(
                    io.netty.buffer.Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
        }

        @Override
        public void sendToClient(String text) {
            client.writeAndFlush(new TextWebSocketFrame(text));
        }

        @Override
        public synchronized void sendToServer(String text) {
            server.sendText(text, true).join();
        }

        @Override
        public void closeClient(int code, String reason) {
            client.eventLoop().execute(() -> {
                if (code == 1005 || code == 1006 || code == 1015) {
                    client.close(); // codes that only report a close never go on the wire: 1006 is a dropped connection
                } else if (handshaker != null && client.isActive()) {
                    handshaker.close(client, new CloseWebSocketFrame(code, reason))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            });
            if (server != null) {
                server.abort();
            }
        }

        @Override
        public void closeServer(int code, String reason) {
            if (server != null) {
                server.sendClose(code, reason);
            }
            client.close();
        }

        @Override
        public java.util.Map<String, Object> state() {
            return state;
        }

        // ---- Upstream listener --------------------------------------------------------------------------------

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                client.eventLoop().execute(() -> {
                    for (String out : fault.toClient(message, this)) {
                        sendToClient(out);
                    }
                });
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            String message = StandardCharsets.UTF_8.decode(data).toString();
            client.eventLoop().execute(() -> sendToClient(message));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (fault.forwardServerClose(statusCode)) {
                closeClient(statusCode, reason);
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            client.close();
        }
    }
}
