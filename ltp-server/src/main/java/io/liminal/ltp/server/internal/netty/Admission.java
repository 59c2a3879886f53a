package io.liminal.ltp.server.internal.netty;

import io.liminal.ltp.server.internal.limits.TrustedProxies;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.liminal.ltp.server.transport.TransportLimits;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The first handler of every accepted connection, before TLS: counts it as pending until its WebSocket upgrade,
 * closes it at once past the pending limits (in total, and per address except for trusted proxies), and closes it
 * when no complete HTTP request arrived within the request timeout, counted from the accept (so the TLS handshake
 * and a request sent one byte at a time are both bounded) or from the last response on a keep-alive connection.
 * Removes itself at the upgrade.
 */
final class Admission extends ChannelInboundHandlerAdapter {

    /** The counts shared by every connection of a transport. */
    static final class Counters {
        final AtomicInteger pending = new AtomicInteger();
        private final ConcurrentMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

        int add(String address) {
            return perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        }

        void remove(String address) {
            perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
        }

        int addresses() {
            return perAddress.size();
        }
    }

    private final TransportContext context;
    private final Counters counters;
    private String address;
    private boolean counted;
    private ScheduledFuture<?> deadline;

    Admission(TransportContext context, Counters counters) {
        this.context = context;
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        TransportLimits limits = context.limits();
        if (counters.pending.incrementAndGet() > limits.maxPendingConnections()) {
            counters.pending.decrementAndGet();
            context.record(TransportEvent.PENDING_LIMIT);
            ctx.close();
            return;
        }
        if (limits.maxPendingPerAddress() > 0 && !context.isTrustedProxy(ctx.channel().remoteAddress())) {
            address = TrustedProxies.addressKey(ctx.channel().remoteAddress());
            if (counters.add(address) > limits.maxPendingPerAddress()) {
                counters.remove(address);
                counters.pending.decrementAndGet();
                address = null;
                context.record(TransportEvent.PENDING_PER_ADDRESS_LIMIT);
                ctx.close();
                return;
            }
        }
        counted = true;
        armDeadline(ctx);
        ctx.fireChannelActive();
    }

    private void armDeadline(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        deadline = ctx.executor().schedule(() -> {
            if (counted && ctx.channel().isActive()) {
                context.record(TransportEvent.REQUEST_TIMEOUT);
                ctx.close();
            }
        }, context.limits().requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A response went out on a keep-alive connection: the next request gets a full timeout. */
    void requestServed(ChannelHandlerContext ctx) {
        if (counted) {
            armDeadline(ctx);
        }
    }

    /**
     * The connection upgraded, or carries an sse-v1 stream or posts: it counts as part of an LTP connection from
     * now on.
     */
    void upgraded(ChannelHandlerContext ctx) {
        release();
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        if (counted) {
            counted = false;
            counters.pending.decrementAndGet();
            if (address != null) {
                counters.remove(address);
            }
        }
    }
}
