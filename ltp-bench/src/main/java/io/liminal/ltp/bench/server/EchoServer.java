package io.liminal.ltp.bench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;

/**
 * The baseline: a plain WebSocket echo server on the same Netty transport and settings as ltp-server (epoll,
 * same event loop counts, same decoder limits and UTF-8 validation, flushes batched per read) but no LTP logic.
 * The difference to ltp-server is the cost of LTP itself.
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.server.EchoServer 8090</pre>
 */
public final class EchoServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;

    private EchoServer(int port) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("echo-accept", true), io);
        workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("echo-io", true), io);
        server = new ServerBootstrap().group(boss, workers)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(4096, 16 * 1024, 64 * 1024),
                                new HttpObjectAggregator(64 * 1024), new Upgrade());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    /** Starts an echo server on {@code port} (0 = any). */
    public static EchoServer start(int port) throws InterruptedException {
        return new EchoServer(port);
    }

    /** The bound port. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        boss.shutdownGracefully().awaitUninterruptibly();
        workers.shutdownGracefully().awaitUninterruptibly();
    }

    /** Entry point: {@code EchoServer <port>}; prints the port, runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        EchoServer echo = start(args.length > 0 ? Integer.parseInt(args[0]) : 8090);
        System.out.println("echo server listening on ws://127.0.0.1:" + echo.port() + "/");
        Thread.currentThread().join();
    }

    private static final class Upgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(16 << 20)
                    .allowExtensions(false).withUTF8Validator(true).closeOnProtocolViolation(true).build();
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    "ws://" + request.headers().get("Host") + request.uri(), "ltp.v0.3", config).newHandshaker(request);
            Echo echo = new Echo(handshaker);
            ctx.pipeline().replace(this, "echo", echo);
            ctx.pipeline().addBefore("echo", "utf8", new Utf8FrameValidator(true));
            handshaker.handshake(ctx.channel(), request);
        }
    }

    private static final class Echo extends ChannelInboundHandlerAdapter {
        private final WebSocketServerHandshaker handshaker;
        private boolean flushPending;

        Echo(WebSocketServerHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame frame) {
                ctx.write(new TextWebSocketFrame(frame.content()), ctx.voidPromise());
                flushPending = true;
            } else if (msg instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close).addListener(ChannelFutureListener.CLOSE);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (flushPending) {
                flushPending = false;
                ctx.flush();
            }
        }
    }
}
