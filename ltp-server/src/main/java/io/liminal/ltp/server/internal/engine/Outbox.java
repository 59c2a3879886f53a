package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.message.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What one handler call sends to its own thread ({@code reply}, {@code pushToThread}, {@code pushTo} of the same
 * thread): collected while the call runs and published, in call order, when it returns. Under delivery-v1 the
 * logged part is stored in the same commit as the handled message's new position (the transactional outbox), so
 * a crash can never leave a message done and its replies lost.
 *
 * <p>Only the thread that runs the call adds to it, and only while the call runs; the lane publishes it right
 * after. The futures of collected sends complete at publication, so waiting for one inside the call is refused.
 */
final class Outbox {
    private final LiveThread thread;
    private final Thread owner;
    private boolean open = true;
    private List<Send> sends;

    /**
     * One collected send.
     *
     * @param envelope what the handler sent
     * @param connection the session's connection for a reply; {@code null} for the whole thread
     * @param session the session a reply was for
     * @param instance the delivery instance a reply is logged for; {@code null} when the session is plain v0.3
     * @param future the future the handler got: {@code Void} for a reply, the connection count for a push
     */
    record Send(Envelope envelope, EngineConnection connection, Session session, String instance,
            CompletableFuture<?> future) {
        boolean isReply() {
            return connection != null;
        }
    }

    Outbox(LiveThread thread) {
        this.thread = thread;
        this.owner = Thread.currentThread();
    }

    /** Whether a send made now, on the calling thread, to the LTP thread {@code threadId} belongs to this call. */
    boolean captures(String threadId) {
        return open && Thread.currentThread() == owner && thread.threadId().equals(threadId);
    }

    CompletableFuture<Void> addReply(Envelope envelope, EngineConnection connection, Session session,
            String instance) {
        HandlerFuture<Void> future = new HandlerFuture<>(this);
        add(new Send(envelope, connection, session, instance, future));
        return future;
    }

    CompletableFuture<Integer> addPush(Envelope envelope) {
        HandlerFuture<Integer> future = new HandlerFuture<>(this);
        add(new Send(envelope, null, null, null, future));
        return future;
    }

    private void add(Send send) {
        if (sends == null) {
            sends = new ArrayList<>(2);
        }
        sends.add(send);
    }

    /** The call returned: nothing more is collected. */
    void close() {
        open = false;
    }

    List<Send> sends() {
        return sends == null ? List.of() : sends;
    }

    /** Fails every collected send that is still pending (the commit that would have published it failed). */
    void failAll(Throwable cause) {
        for (Send send : sends()) {
            send.future().completeExceptionally(cause);
        }
    }

    /**
     * The future a handler gets for a collected send. It completes after the handler returns, so a wait inside the
     * handler would never end: {@code get} and {@code join} refuse it there with a clear message.
     */
    static final class HandlerFuture<T> extends CompletableFuture<T> {
        private final Outbox outbox;

        HandlerFuture(Outbox outbox) {
            this.outbox = outbox;
        }

        private void refuseInsideTheCall() {
            if (outbox.open && Thread.currentThread() == outbox.owner) {
                throw new IllegalStateException("This send is published when the handler returns; waiting for it "
                        + "inside the handler would never end. Chain on the future instead (thenRun, whenComplete)");
            }
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            refuseInsideTheCall();
            return super.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            refuseInsideTheCall();
            return super.get(timeout, unit);
        }

        @Override
        public T join() {
            refuseInsideTheCall();
            return super.join();
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new HandlerFuture<>(outbox);
        }
    }
}
