package io.liminal.ltp.spring.boot.internal;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.SessionContext;
import java.util.List;
import java.util.function.Consumer;

/**
 * Several {@link LtpHandler} beans as one: each callback goes to every handler in order. One that throws does not
 * keep the message from the others; the first exception is rethrown afterwards (the others suppressed in it), so
 * the server logs and counts it as for a single handler.
 */
public final class CompositeHandler implements LtpHandler {
    private final List<LtpHandler> handlers;

    private CompositeHandler(List<LtpHandler> handlers) {
        this.handlers = handlers;
    }

    /** The handler for {@code handlers}: the only one itself, or a composite of them in order. */
    public static LtpHandler of(List<LtpHandler> handlers) {
        if (handlers.isEmpty()) {
            throw new IllegalArgumentException("No LtpHandler");
        }
        return handlers.size() == 1 ? handlers.get(0) : new CompositeHandler(List.copyOf(handlers));
    }

    @Override
    public void onSessionOpened(SessionContext session) {
        each(handler -> handler.onSessionOpened(session));
    }

    @Override
    public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
        each(handler -> handler.onStateUpdate(session, update));
    }

    @Override
    public void onEvent(SessionContext session, EventPayload event) {
        each(handler -> handler.onEvent(session, event));
    }

    @Override
    public void onCustomMessage(SessionContext session, Envelope message) {
        each(handler -> handler.onCustomMessage(session, message));
    }

    @Override
    public void onSessionClosed(SessionContext session, int code, String reason) {
        each(handler -> handler.onSessionClosed(session, code, reason));
    }

    private void each(Consumer<LtpHandler> call) {
        RuntimeException first = null;
        for (LtpHandler handler : handlers) {
            try {
                call.accept(handler);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "CompositeHandler" + handlers;
    }
}
