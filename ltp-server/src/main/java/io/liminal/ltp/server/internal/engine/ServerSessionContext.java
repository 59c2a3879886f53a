package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.SessionContext;
import java.util.concurrent.CompletableFuture;

/** The {@link SessionContext} handed to handlers: a session snapshot plus the connection to answer on. */
final class ServerSessionContext implements SessionContext {
    private final LtpEngine engine;
    private final EngineConnection connection;
    private final Session session;
    private final Envelope message;
    /** The session's delivery-v1 client instance, {@code null} for a plain v0.3 session. */
    private final String deliveryInstance;
    private final DeliveryInfo delivery;

    /**
     * @param message the message being handled, or {@code null} for session callbacks
     * @param deliveryInstance the session's delivery-v1 client instance, {@code null} for a plain session
     */
    ServerSessionContext(LtpEngine engine, EngineConnection connection, Session session, Envelope message,
            String deliveryInstance) {
        this(engine, connection, session, message, deliveryInstance, null);
    }

    private ServerSessionContext(LtpEngine engine, EngineConnection connection, Session session, Envelope message,
            String deliveryInstance, DeliveryInfo delivery) {
        this.engine = engine;
        this.connection = connection;
        this.session = session;
        this.message = message;
        this.deliveryInstance = deliveryInstance;
        this.delivery = delivery;
    }

    /** The same context for a numbered message. */
    ServerSessionContext withDelivery(DeliveryInfo info) {
        return new ServerSessionContext(engine, connection, session, message, deliveryInstance, info);
    }

    @Override
    public String threadId() {
        return session.threadId();
    }

    @Override
    public String sessionId() {
        return session.sessionId();
    }

    @Override
    public String clientId() {
        return session.clientId();
    }

    @Override
    public String principal() {
        return session.principal();
    }

    @Override
    public String ltpVersion() {
        return session.ltpVersion();
    }

    @Override
    public Meta meta() {
        return message == null ? Meta.empty() : message.metaOrEmpty();
    }

    @Override
    public Envelope message() {
        return message;
    }

    @Override
    public DeliveryInfo delivery() {
        return delivery;
    }

    @Override
    public CompletableFuture<Void> reply(Envelope envelope) {
        return engine.reply(connection, session, deliveryInstance, envelope);
    }

    @Override
    public CompletableFuture<Integer> pushToThread(Envelope envelope) {
        return engine.pushTo(session.threadId(), envelope);
    }

    @Override
    public String toString() {
        return "SessionContext{thread=" + session.threadId() + ", session=" + session.sessionId() + ", client="
                + session.clientId() + '}';
    }
}
