package io.liminal.ltp.client.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.RetryConfig;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.MessageJournal;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.client.ThreadIdStore;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.Meta;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/** Everything the client builder collected, validated. */
public record ClientSettings(
        URI uri,
        HandshakeInit initTemplate,
        Map<String, String> headers,
        Duration heartbeatOverride,
        Duration pongTimeout,
        Duration handshakeTimeout,
        Duration connectTimeout,
        RetryConfig retryConfig,
        CircuitBreakerConfig circuitBreakerConfig,
        int maxBufferedMessages,
        long maxBufferedBytes,
        OverflowPolicy overflowPolicy,
        MessageJournal journal,
        ThreadIdStore threadIdStore,
        List<LtpClientListener> listeners,
        Executor executor,
        Scheduler scheduler,
        Clock clock,
        Meta defaultMeta,
        String signingSecret,
        Limits limits,
        ClientTransport transport,
        boolean delivery) {
}
