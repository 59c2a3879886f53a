package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.transport.InMemoryTransport;
import java.time.Clock;

/** Servers of the engine tests: in-memory transport, virtual time, handler calls on the calling thread. */
final class TestServers {
    private TestServers() {
    }

    /** A builder on {@code transport}, {@code clock} and {@code scheduler}, with direct executors and {@code store}. */
    static LtpServer.Builder inMemory(InMemoryTransport transport, Clock clock, Scheduler scheduler, ThreadStore store) {
        return LtpServer.builder().transport(transport).clock(clock).maintenanceScheduler(scheduler)
                .applicationExecutor(Runnable::run).blockingExecutor(Runnable::run).threadStore(store);
    }
}
