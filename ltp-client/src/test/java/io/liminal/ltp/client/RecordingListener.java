package io.liminal.ltp.client;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.core.session.ClientSessionMachine;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records listener calls as short strings that tests wait for. Also checks that calls never overlap. */
final class RecordingListener implements LtpClientListener {
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final AtomicInteger inside = new AtomicInteger();
    volatile boolean overlapped;
    volatile String lastThreadName;

    private void record(String event) {
        if (inside.incrementAndGet() != 1) {
            overlapped = true;
        }
        lastThreadName = Thread.currentThread().getName();
        events.add(event);
        inside.decrementAndGet();
    }

    @Override
    public void onConnected(String threadId, String sessionId, boolean resumed) {
        record("connected " + threadId + " " + sessionId + " resumed=" + resumed);
    }

    @Override
    public void onDisconnected(DisconnectInfo info) {
        record("disconnected " + info.code());
    }

    @Override
    public void onStateChanged(ClientSessionMachine.State from, ClientSessionMachine.State to) {
        record("state " + to);
    }

    @Override
    public void onStateUpdate(StateUpdatePayload update, Envelope envelope) {
        record("state_update " + update.kind());
    }

    @Override
    public void onEvent(EventPayload event, Envelope envelope) {
        record("event " + event.eventType());
    }

    @Override
    public void onMessage(Envelope envelope) {
        record("message " + envelope.type());
    }

    @Override
    public void onError(ErrorPayload error) {
        record("error " + error.code());
    }

    @Override
    public void onPermanentFailure(ConnectionFailure failure) {
        record("failed " + failure.reason());
    }

    /** Waits for an event starting with {@code prefix}, skipping others; returns it. */
    String await(String prefix) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String event;
            try {
                event = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (event == null) {
                throw new AssertionError("No listener event starting with '" + prefix + "' within 10 s");
            }
            if (event.startsWith(prefix)) {
                return event;
            }
        }
    }

    /** Whether an event starting with {@code prefix} comes within {@code timeout}. */
    boolean sees(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                String event = events.poll(left, TimeUnit.NANOSECONDS);
                if (event != null && event.startsWith(prefix)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
