package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Publishes what was sent to one thread, on that thread's lane: first one commit of everything that goes to the
 * thread's log (with the handled message's new position, when there is one), then every send in call order, to
 * the connections live now. On a blocking store the commit goes through the {@link GroupCommitter}. A send to the
 * log completes its future at the commit; a send that is not logged (a plain v0.3 session, a thread without the
 * extension, the extension off) completes when it is written.
 */
final class OutboxPublisher {
    private final LtpEngine engine;
    /** {@code null} when the extension is off. */
    private final DeliveryLog log;

    /** Groups the commits of many lanes on a blocking store; {@code null} to commit on the lane. */
    private final GroupCommitter groupCommitter;

    OutboxPublisher(LtpEngine engine, DeliveryLog log, GroupCommitter groupCommitter) {
        this.engine = engine;
        this.log = log;
        this.groupCommitter = groupCommitter;
    }

    /**
     * Commits and sends, waiting for the commit. Lane only.
     *
     * @param processed the numbered message these sends complete, or {@code null}
     * @param fromOutside whether the sends come from outside a handler call: their futures then count the
     *     connections other nodes reached too (a handler's count only this node's, so it never waits on the bus)
     * @throws RuntimeException when the commit failed: nothing was sent, and every future has failed
     */
    void publish(LiveThread thread, List<Outbox.Send> sends, Processed processed, boolean fromOutside) {
        Publication publication = prepare(thread, sends, processed, fromOutside);
        if (publication == null) {
            return;
        }
        long first;
        try {
            first = publication.commit == null ? 0 : groupCommitter == null ? commitNow(publication.commit)
                    : groupCommitter.submit(publication.commit).join();
        } catch (CompletionException e) {
            throw publication.failed(e.getCause() instanceof RuntimeException r ? r : e);
        } catch (RuntimeException e) {
            throw publication.failed(e);
        }
        finish(publication, first);
    }

    /**
     * Commits and sends without holding the lane's thread while the store writes: the lane waits (running nothing
     * else of the thread), and {@code then} runs on it once the sends went out, with {@code null} or the commit's
     * failure (nothing was sent then, and every future has failed). Called from a lane task, as its last step.
     */
    void publishThen(LiveThread thread, List<Outbox.Send> sends, Processed processed,
            Consumer<RuntimeException> then) {
        Publication publication = prepare(thread, sends, processed, false);
        if (publication == null) {
            then.accept(null);
            return;
        }
        if (publication.commit == null || groupCommitter == null) {
            long first;
            try {
                first = publication.commit == null ? 0 : commitNow(publication.commit);
            } catch (RuntimeException e) {
                then.accept(publication.failed(e));
                return;
            }
            try {
                finish(publication, first);
            } finally {
                then.accept(null); // committed: what finish could not send is in the log for the next resume
            }
            return;
        }
        thread.lane.continueAfter(groupCommitter.submit(publication.commit), (first, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                then.accept(publication.failed(cause instanceof RuntimeException r ? r
                        : new IllegalStateException(cause)));
                return;
            }
            try {
                finish(publication, first);
            } finally {
                then.accept(null);
            }
        });
    }

    /** What one publish logs and sends; {@code commit} is {@code null} when nothing goes to the store. */
    private record Publication(LiveThread thread, List<Outbox.Send> sends, boolean fromOutside, Commit commit,
            int[] slot, Instant now) {
        /** Fails every send's future; returns {@code e} to be thrown. */
        RuntimeException failed(RuntimeException e) {
            for (Outbox.Send send : sends) {
                send.future().completeExceptionally(e);
            }
            return e;
        }
    }

    /** Decides what is logged: {@code null} when there is nothing to do. */
    private Publication prepare(LiveThread thread, List<Outbox.Send> sends, Processed processed,
            boolean fromOutside) {
        if (sends.isEmpty() && processed == null) {
            return null;
        }
        List<Outbound> toLog = new ArrayList<>(0);
        int[] slot = new int[sends.size()];
        for (int i = 0; i < sends.size(); i++) {
            slot[i] = -1;
            Outbox.Send send = sends.get(i);
            String target = logTarget(thread, send);
            if (target == null) {
                continue;
            }
            try {
                toLog.add(new Outbound(log.template(send.envelope()), target.isEmpty() ? null : target));
                slot[i] = toLog.size() - 1;
            } catch (RuntimeException e) {
                send.future().completeExceptionally(e); // breaks a size limit: this send only
                slot[i] = -2;
            }
        }
        Instant now = engine.clock().instant();
        Commit commit = log != null && (!toLog.isEmpty() || processed != null)
                ? new Commit(thread.threadId(), toLog, processed, now, log.retention()) : null;
        return new Publication(thread, sends, fromOutside, commit, slot, now);
    }

    private long commitNow(Commit commit) {
        return log.store().commit(commit.threadId(), commit.messages(), commit.processed(), commit.now(),
                commit.retention());
    }

    /** After the commit (which assigned {@code first}): hands the logged messages out and sends the rest. */
    private void finish(Publication publication, long first) {
        LiveThread thread = publication.thread;
        List<Outbox.Send> sends = publication.sends;
        int[] slot = publication.slot;
        boolean fromOutside = publication.fromOutside;
        List<Outbound> toLog = publication.commit == null ? List.of() : publication.commit.messages();
        boolean threadGone = !toLog.isEmpty() && first == 0;
        int[] handed = new int[0];
        List<LoggedMessage> logged = List.of();
        if (!toLog.isEmpty() && !threadGone) {
            logged = new ArrayList<>(toLog.size());
            List<Envelope> envelopes = new ArrayList<>(toLog.size());
            for (int i = 0; i < sends.size(); i++) {
                if (slot[i] >= 0) {
                    Outbound outbound = toLog.get(slot[i]);
                    logged.add(new LoggedMessage(first + slot[i], outbound.message(), outbound.targetInstance(),
                            publication.now));
                    envelopes.add(sends.get(i).envelope());
                }
            }
            handed = log.handOut(thread, logged, envelopes);
        }
        ClusterRouter cluster = engine.cluster();
        CompletableFuture<Integer> elsewhere = null;
        if (cluster != null && !logged.isEmpty()) {
            // Other nodes holding the thread hand it to their connections; a push from outside a handler waits
            // for their counts, as its future promises the cluster-wide one.
            elsewhere = cluster.logged(thread.threadId(), logged, fromOutside);
        }
        for (int i = 0; i < sends.size(); i++) {
            Outbox.Send send = sends.get(i);
            if (slot[i] == -2) {
                continue;
            }
            if (slot[i] >= 0) {
                if (threadGone) {
                    send.future().completeExceptionally(new IllegalStateException("Thread " + thread.threadId()
                            + " is no longer stored"));
                    continue;
                }
                int here = handed[slot[i]];
                if (fromOutside && elsewhere != null && !send.isReply()) {
                    plusElsewhere(send, here, elsewhere);
                } else {
                    complete(send, here);
                }
            } else if (send.isReply()) {
                send.connection().sendDirect(send.session(), send.envelope(), cast(send.future()));
            } else {
                CompletableFuture<Integer> local = engine.pushPlain(List.copyOf(thread.connections), send.envelope());
                CompletableFuture<Integer> elsewherePlain = cluster == null ? null
                        : cluster.push(thread.threadId(), send.envelope(), fromOutside);
                CompletableFuture<Integer> total = elsewherePlain == null ? local
                        : local.thenCombine(elsewherePlain, Integer::sum);
                total.whenComplete((count, error) -> {
                    if (error != null) {
                        send.future().completeExceptionally(error);
                    } else {
                        complete(send, count);
                    }
                });
            }
        }
    }

    private static void plusElsewhere(Outbox.Send send, int here, CompletableFuture<Integer> elsewhere) {
        elsewhere.whenComplete((count, error) -> {
            if (error != null) {
                send.future().completeExceptionally(error);
            } else {
                complete(send, here + count);
            }
        });
    }

    /**
     * Where a send is logged: an instance for a reply to a delivery session, {@code ""} for every client of a
     * thread that uses the extension, {@code null} when it is not logged.
     */
    private String logTarget(LiveThread thread, Outbox.Send send) {
        if (log == null || !DeliveryProtocol.isNumbered(send.envelope().type())) {
            return null;
        }
        if (send.isReply()) {
            return send.instance();
        }
        return log.enabled(thread) ? "" : null;
    }

    @SuppressWarnings("unchecked")
    private static void complete(Outbox.Send send, int handed) {
        if (send.isReply()) {
            ((CompletableFuture<Void>) send.future()).complete(null);
        } else {
            ((CompletableFuture<Integer>) send.future()).complete(handed);
        }
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<Void> cast(CompletableFuture<?> future) {
        return (CompletableFuture<Void>) future;
    }
}
