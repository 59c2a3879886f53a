package io.liminal.ltp.jakarta.internal;

import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.core.internal.json.Utf8;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.TransportConnection;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import jakarta.websocket.CloseReason;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jakarta WebSocket session as the engine's {@link TransportConnection}. The container calls in on its own
 * threads; everything that reaches the engine goes through this connection's serial lane, in arrival order.
 *
 * <p>Outbound frames go through {@link JakartaOutbound}. Inbound messages are assembled from partial frames, so that an oversized one is counted
 * and dropped as it streams in (the engine answers MESSAGE_TOO_LARGE) instead of being buffered whole.
 */
public final class JakartaConnection implements TransportConnection {
    private static final Logger LOG = LoggerFactory.getLogger(JakartaConnection.class);
    private static final String REMOTE_ADDRESS = "jakarta.websocket.endpoint.remoteAddress";
    /** What a held message costs beside its text (the queued task, the string's header), charged to the budget. */
    private static final long HELD_OVERHEAD = 128;

    private final Session session;
    private final Map<String, String> headers;
    private final TransportContext context;
    private final SerialExecutor lane;
    private final ScheduledExecutorService timers;
    private final AtomicLong bufferedInbound;
    private final Consumer<JakartaConnection> onGone;
    private final SocketAddress remote;
    private final Method suspend;
    private final Method resume;
    private ConnectionListener listener;

    private final JakartaOutbound outbound;

    // Inbound, on the container's reading thread (one at a time per session).
    private StringBuilder text;
    private long textBytes;
    private boolean discarding;
    private ByteBuffer binary;

    // Held while reading is paused and the container cannot suspend; lane only.
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private long heldBytes;
    private boolean reading = true;

    public JakartaConnection(Session session, Map<String, String> headers, TransportContext context, Executor pool,
            ScheduledExecutorService timers, AtomicLong bufferedInbound, Consumer<JakartaConnection> onGone) {
        this.session = session;
        this.headers = headers;
        this.context = context;
        this.lane = new SerialExecutor(pool, (thread, error) -> LOG.warn("LTP connection task failed", error));
        this.timers = timers;
        this.outbound = new JakartaOutbound(session, context, timers);
        this.bufferedInbound = bufferedInbound;
        this.onGone = onGone;
        Object address = session.getUserProperties().get(REMOTE_ADDRESS);
        this.remote = address instanceof SocketAddress socketAddress ? socketAddress
                : InetSocketAddress.createUnresolved("unknown", 0);
        this.suspend = method(session, "suspend");
        this.resume = method(session, "resume");
    }

    /** Closes a session the engine will never see. */
    public static void refuse(Session session, int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException e) {
            LOG.debug("Closing a refused session failed: {}", e.toString());
        }
    }

    /** Registers the message handlers and hands the connection to the engine. Container thread, once. */
    public void open() {
        long max = context.maxMessageBytes();
        session.setMaxTextMessageBufferSize((int) Math.min(Integer.MAX_VALUE, Math.max(8192, Math.min(max, 65536))));
        session.setMaxBinaryMessageBufferSize((int) Math.min(Integer.MAX_VALUE, Math.max(8192, Math.min(max, 65536))));
        session.setMaxIdleTimeout(0); // the LTP heartbeat decides when a peer is gone
        session.addMessageHandler(String.class, (MessageHandler.Partial<String>) this::textPart);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) this::binaryPart);
        lane.execute(() -> listener = context.accept(this));
    }

    // ---- Inbound --------------------------------------------------------------------------------------------

    private void textPart(String part, boolean last) {
        if (closing()) {
            return; // refused or closing: what still streams in is dropped
        }
        long partBytes = Utf8.length(part);
        textBytes += partBytes;
        if (textBytes > context.hardFrameLimitBytes()) {
            release();
            context.record(TransportEvent.FRAME_TOO_BIG);
            close(1009, "Message too big");
            return;
        }
        if (!discarding && textBytes > context.maxMessageBytes()) {
            release();
            discarding = true;
        }
        if (!discarding) {
            if (text == null) {
                text = new StringBuilder(part.length());
            }
            if (bufferedInbound.addAndGet(partBytes) > context.limits().maxBufferedInboundBytes()) {
                bufferedInbound.addAndGet(-partBytes);
                release();
                context.record(TransportEvent.INBOUND_BUFFER_FULL);
                close(1013, "Try again later");
                return;
            }
            text.append(part);
        }
        if (last) {
            long size = textBytes;
            if (discarding) {
                deliver(() -> listener.onOversizedMessage(size), 0);
            } else {
                String message = text.toString();
                deliver(() -> listener.onText(message, (int) size), size);
            }
            text = null;
            textBytes = 0;
            discarding = false;
        }
    }

    private void binaryPart(ByteBuffer part, boolean last) {
        if (closing()) {
            return;
        }
        long size = (binary == null ? 0 : binary.position()) + part.remaining();
        if (size > context.maxMessageBytes()) {
            binary = null;
            if (last) {
                deliver(() -> listener.onOversizedMessage(size), 0);
            }
            return;
        }
        if (binary == null || binary.remaining() < part.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate((int) Math.max(size, binary == null ? 0 : binary.capacity() * 2L));
            if (binary != null) {
                binary.flip();
                bigger.put(binary);
            }
            binary = bigger;
        }
        binary.put(part);
        if (last) {
            ByteBuffer message = binary.flip();
            binary = null;
            deliver(() -> listener.onBinary(message), 0);
        }
    }

    /** The text being assembled no longer counts against the shared budget. */
    private void release() {
        if (text != null) {
            bufferedInbound.addAndGet(-Utf8.length(text));
            text = null;
        }
    }

    /** Hands a complete message to the engine on the lane; {@code bytes} of it stay budgeted until then. */
    private void deliver(Runnable toEngine, long bytes) {
        lane.execute(() -> {
            if (listener == null || closedByEngine()) {
                bufferedInbound.addAndGet(-bytes);
                return;
            }
            if (!reading && suspend == null) {
                hold(toEngine, bytes);
                return;
            }
            run(toEngine, bytes);
        });
    }

    /**
     * Keeps a message while reading is paused and the container cannot suspend. Each held message is charged its
     * bytes plus {@link #HELD_OVERHEAD} against the shared inbound budget, so that a flood of tiny messages is
     * bounded too; past the budget the connection is closed with 1013. Lane only.
     */
    private void hold(Runnable toEngine, long bytes) {
        if (bufferedInbound.addAndGet(HELD_OVERHEAD) > context.limits().maxBufferedInboundBytes()) {
            bufferedInbound.addAndGet(-HELD_OVERHEAD - bytes);
            context.record(TransportEvent.INBOUND_BUFFER_FULL);
            close(1013, "Try again later");
            return;
        }
        heldBytes += bytes + HELD_OVERHEAD;
        held.add(() -> {
            heldBytes -= bytes + HELD_OVERHEAD;
            bufferedInbound.addAndGet(-HELD_OVERHEAD);
            run(toEngine, bytes);
        });
    }

    private void run(Runnable toEngine, long bytes) {
        bufferedInbound.addAndGet(-bytes);
        toEngine.run();
    }

    private boolean closedByEngine() {
        return outbound.closed();
    }

    private boolean closing() {
        return outbound.closing();
    }

    @Override
    public void setReading(boolean reading) {
        lane.execute(() -> {
            if (this.reading == reading) {
                return;
            }
            this.reading = reading;
            if (suspend != null) {
                invoke(reading ? resume : suspend);
                return;
            }
            while (this.reading && !held.isEmpty()) {
                held.poll().run();
            }
        });
    }

    // ---- Outbound: JakartaOutbound -------------------------------------------------------------------------

    @Override
    public void send(String text) {
        outbound.send(text);
    }

    @Override
    public void close(int code, String reason) {
        outbound.close(code, reason);
    }

    // ---- Closed, from the container --------------------------------------------------------------------------

    /** The container reports the session closed (by either side). */
    public void closed(int code, String reason) {
        outbound.closedByContainer();
        release();
        onGone.accept(this);
        lane.execute(() -> {
            held.clear();
            bufferedInbound.addAndGet(-heldBytes); // what was held never reaches the engine: its charge goes back
            heldBytes = 0;
            if (listener != null) {
                listener.onClosed(code, reason == null ? "" : reason);
            }
        });
    }

    /** The container reports an error; it closes the session after this. */
    public void failed(Throwable error) {
        LOG.debug("WebSocket session error: {}", error.toString());
    }

    // ---- TransportConnection ---------------------------------------------------------------------------------

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String subprotocol() {
        String selected = session.getNegotiatedSubprotocol();
        return selected == null || selected.isEmpty() ? null : selected;
    }

    @Override
    public String requestHeader(String name) {
        return headers.get(name);
    }

    @Override
    public Executor executor() {
        return lane;
    }

    @Override
    public Scheduler scheduler() {
        return (task, delay, unit) -> {
            ScheduledFuture<?> future = timers.schedule(() -> lane.execute(task), delay, unit);
            return () -> future.cancel(false);
        };
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    /** A public no-argument method of the container's session class (Tomcat's suspend/resume), or null. */
    private static Method method(Session session, String name) {
        try {
            Method method = session.getClass().getMethod(name);
            return method.getParameterCount() == 0 ? method : null;
        } catch (NoSuchMethodException | SecurityException e) {
            return null;
        }
    }

    private void invoke(Method method) {
        try {
            method.invoke(session);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("{} failed: {}", method.getName(), e.toString());
        }
    }
}
