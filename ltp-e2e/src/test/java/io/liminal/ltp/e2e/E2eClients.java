package io.liminal.ltp.e2e;

import io.liminal.ltp.client.FileMessageJournal;
import io.liminal.ltp.client.FileThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/** Clients of the end-to-end tests. */
final class E2eClients {
    private E2eClients() {
    }

    /**
     * A client as a durable application configures it: thread ids and a message journal on disk, room for
     * {@code messages} twice over while offline, retrying without end and without a circuit breaker (servers die on
     * purpose here), handing the data of every event it receives to {@code onEvent}.
     */
    static LtpClient durable(URI uri, String clientId, Path directory, int messages, Consumer<String> onEvent)
            throws IOException {
        return LtpClient.builder(uri)
                .clientId(clientId)
                .threadIdStore(new FileThreadIdStore(directory.resolve("client-ids-" + clientId + ".json")))
                .journal(FileMessageJournal.open(directory.resolve("client-journal-" + clientId)))
                .offlineBuffer(2 * messages, 64L << 20, OverflowPolicy.FAIL)
                .retry(LtpClient.retryConfig(Integer.MAX_VALUE - 1, Duration.ofMillis(50), Duration.ofMillis(500), 0.1))
                .noCircuitBreaker()
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        onEvent.accept(event.data().getAsString());
                    }
                })
                .build();
    }
}
