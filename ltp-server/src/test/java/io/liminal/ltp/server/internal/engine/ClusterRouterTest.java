package io.liminal.ltp.server.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.liminal.ltp.server.cluster.ClusterBus;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The router while the server stops: connections still retire after the bus and the executors are gone. */
class ClusterRouterTest {

    /** A bus that fails the test if anything but {@code close} reaches it. */
    private static ClusterBus closeOnlyBus() {
        return (ClusterBus) Proxy.newProxyInstance(ClusterBus.class.getClassLoader(), new Class<?>[] {ClusterBus.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new AssertionError("The bus was used after the server stopped: " + method.getName());
                });
    }

    @Test
    void threadRetiredAfterTheExecutorStoppedIsNotAnError() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        executor.shutdown();
        ClusterRouter router = new ClusterRouter(null, closeOnlyBus(), "node-a", Duration.ofSeconds(1), null, executor);

        assertThatCode(() -> router.threadChanged("thread-1")).doesNotThrowAnyException();
    }

    @Test
    void threadRetiredAfterCloseLeavesTheBusAlone() {
        AtomicInteger handedOver = new AtomicInteger();
        Executor counting = task -> handedOver.incrementAndGet();
        ClusterRouter router = new ClusterRouter(null, closeOnlyBus(), "node-a", Duration.ofSeconds(1), null, counting);
        router.close();

        router.threadChanged("thread-1");

        assertThat(handedOver).as("presence updates handed to the executor after close").hasValue(0);
    }
}
