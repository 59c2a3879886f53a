package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.server.internal.sse.SseWire;
import io.liminal.ltp.server.TlsConfig;
import io.liminal.ltp.server.transport.LtpTransport;
import io.liminal.ltp.server.transport.TransportContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default transport: Netty, epoll on Linux and NIO elsewhere. One pipeline per connection serves the
 * WebSocket upgrade, the HTTP endpoints and the sse-v1 binding's streams and posts; TLS (TLSv1.3) from PEM files or a
 * key store.
 */
public final class NettyTransport implements LtpTransport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    static final int MAX_HTTP_REQUEST_BYTES = 64 * 1024;

    private final TlsConfig tls;
    private final int workerThreads;
    private final boolean sseEnabled;
    private SseBinding sse;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    /**
     * The listening channels. Connections are not tracked here: shutting the worker group down closes them, and
     * a group entry per connection cost two shared-map updates per handshake.
     */
    private ChannelGroup channels;
    private volatile InetSocketAddress httpAddress;
    /** Connections not upgraded yet, over both ports. */
    private final Admission.Counters admissions = new Admission.Counters();
    /** Bytes of unfinished inbound messages reserved by every connection (see FrameGate). */
    private final AtomicLong inboundBudget = new AtomicLong();

    /** A transport with {@code 2 × cores} I/O threads that also serves sse-v1. */
    public NettyTransport(TlsConfig tls) {
        this(tls, 0);
    }

    /**
     * A transport that also serves sse-v1.
     *
     * @param tls TLS settings, or {@code null} for plain {@code ws://}
     * @param workerThreads I/O threads, 0 for Netty's default (2 × cores)
     */
    public NettyTransport(TlsConfig tls, int workerThreads) {
        this(tls, workerThreads, true);
    }

    /**
     * @param tls TLS settings, or {@code null} for plain {@code ws://}
     * @param workerThreads I/O threads, 0 for Netty's default (2 × cores)
     * @param sse whether to serve the sse-v1 binding at {@code /ltp/sse} (docs/extensions/sse-v1.md)
     */
    public NettyTransport(TlsConfig tls, int workerThreads, boolean sse) {
        this.tls = tls;
        this.workerThreads = workerThreads;
        this.sseEnabled = sse;
    }

    @Override
    public List<String> capabilities() {
        return sseEnabled ? List.of(SseWire.CAPABILITY) : List.of();
    }

    @Override
    public InetSocketAddress start(TransportContext context) throws IOException {
        SslContext sslContext = tls == null ? null : sslContext(tls);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ltp-accept", true), io);
        workerGroup = new MultiThreadIoEventLoopGroup(workerThreads, new DefaultThreadFactory("ltp-io", true), io);
        channels = new DefaultChannelGroup("ltp", GlobalEventExecutor.INSTANCE);
        sse = sseEnabled ? new SseBinding(context) : null;

        Channel server = bind(context, context.bindAddress(), sslContext, channelType, false);
        InetSocketAddress httpBind = context.httpBindAddress();
        if (httpBind != null) {
            Channel http = bind(context, httpBind, sslContext, channelType, true);
            httpAddress = (InetSocketAddress) http.localAddress();
        }
        LOG.debug("Netty transport started ({})", epoll ? "epoll" : "nio");
        return (InetSocketAddress) server.localAddress();
    }

    private Channel bind(TransportContext context, InetSocketAddress address, SslContext sslContext,
            Class<? extends ServerChannel> channelType, boolean endpointsOnly) throws IOException {
        WebSocketDecoderConfig decoderConfig = HttpRouter.decoderConfig(context);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast("admission", new Admission(context, admissions));
                        if (sslContext != null) {
                            channel.pipeline().addLast("tls", sslContext.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast("http-codec", new HttpServerCodec(4096, 16 * 1024, 64 * 1024));
                        int maxRequestBytes = MAX_HTTP_REQUEST_BYTES;
                        if (sse != null && !endpointsOnly) {
                            maxRequestBytes = Math.max(maxRequestBytes, sse.maxPostBytes());
                            channel.pipeline().addLast("http-body-gate", new RequestBodyGate(context, inboundBudget,
                                    sse.maxPostBytes(), MAX_HTTP_REQUEST_BYTES));
                        }
                        channel.pipeline()
                                .addLast("http-aggregator", new HttpObjectAggregator(maxRequestBytes))
                                .addLast("router", new HttpRouter(context, sslContext != null, endpointsOnly,
                                        decoderConfig, inboundBudget, sse));
                    }
                });
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            channels.add(channel);
            return channel;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while binding " + address, e);
        } catch (Exception e) {
            throw new IOException("Could not bind " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InetSocketAddress httpAddress() {
        return httpAddress;
    }

    @Override
    public int pendingConnections() {
        return admissions.pending.get();
    }

    @Override
    public long bufferedInboundBytes() {
        return inboundBudget.get();
    }

    @Override
    public void close() {
        if (channels != null) {
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    static SslContext sslContext(TlsConfig tls) throws IOException {
        try {
            SslContextBuilder builder;
            if (tls.isPem()) {
                builder = SslContextBuilder.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile(),
                        tls.keyPassword());
            } else {
                KeyStore keyStore = KeyStore.getInstance(tls.keyStoreType());
                char[] password = tls.keyStorePassword();
                try (InputStream in = Files.newInputStream(tls.keyStore())) {
                    keyStore.load(in, password);
                }
                KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keyManagers.init(keyStore, password);
                builder = SslContextBuilder.forServer(keyManagers);
            }
            return builder.protocols("TLSv1.3").build();
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("Invalid TLS configuration: " + e.getMessage(), e);
        }
    }
}
