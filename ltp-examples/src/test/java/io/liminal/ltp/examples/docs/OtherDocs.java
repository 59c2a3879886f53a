package io.liminal.ltp.examples.docs;

import io.liminal.ltp.conformance.ConformanceReport;
import io.liminal.ltp.conformance.ConformanceSuite;
import io.liminal.ltp.conformance.Level;
import io.liminal.ltp.conformance.LtpConformance;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.redis.RedisBus;
import io.liminal.ltp.redis.RedisThreadStore;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The code of docs/cluster.md, conformance.md and durability.md, compiled (see DocsSnippetsTest). */
final class OtherDocs {
    private OtherDocs() {
    }

    static LtpServer cluster(LtpHandler handler) {
        // tag::cluster[]
        LtpServer server = LtpServer.builder()
                .handler(handler)
                .threadStore(RedisThreadStore.builder("redis://10.0.0.5:6379").build())
                .cluster(RedisBus.builder("redis://10.0.0.5:6379").build())
                // on a Redis Cluster: RedisBus.clusterBuilder(List.of("redis://10.0.0.5:7000", ...)).build()
                .nodeId("ltp-1")
                .clusterReplyTimeout(Duration.ofSeconds(2))   // how long a push waits for the other nodes' answers
                .build()
                .start();
        // end::cluster[]
        return server;
    }

    static RedisBus clusterBus() {
        return RedisBus.clusterBuilder(List.of("redis://10.0.0.5:7000", "redis://10.0.0.6:7000")).build();
    }

    static void conformanceReport() {
        // tag::conformance-report[]
        ConformanceReport report = ConformanceSuite.testServer(URI.create("ws://localhost:8080/"), SuiteOptions.defaults());
        System.out.print(report.toText());
        // end::conformance-report[]
    }

    /** A test class of the user's, with their server under test. */
    abstract static class ConformanceTests {
        LtpServer server;

        // tag::conformance-junit[]
        @TestFactory
        Stream<DynamicTest> ltpConformance() {
            return LtpConformance.server(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    SuiteOptions.builder().levels(Level.MUST).build());
        }
        // end::conformance-junit[]
    }

    /** An application's store of applied effects. */
    interface Effects {
        long lastApplied(String clientInstance);

        void apply(EventPayload event, String clientInstance, long sequence);
    }

    abstract static class ApplyOnce implements LtpHandler {
        Effects effects;

        abstract Envelope answerFor(EventPayload event);

        // tag::apply-once[]
        @Override
        public void onEvent(SessionContext session, EventPayload event) {
            DeliveryInfo delivery = session.delivery();
            long applied = effects.lastApplied(delivery.clientInstance());   // your store, e.g. a table
            if (delivery.sequence() > applied) {
                effects.apply(event, delivery.clientInstance(), delivery.sequence());   // one transaction
            }
            session.reply(answerFor(event));   // every time, also for a redelivered message
        }
        // end::apply-once[]
    }
}
