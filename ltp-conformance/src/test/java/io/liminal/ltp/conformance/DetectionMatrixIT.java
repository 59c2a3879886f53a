package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.security.ReplayGuard;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.MessageSecurity;
import io.liminal.ltp.server.auth.AuthResult;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every case is needed: each server-side checklist ID the suite observes has a fault in the corpus that its case
 * catches and no other case does. Each fault runs against the whole server role (the timing cases only for the
 * faults of a timing rule: they take seconds each and have faults of their own), and the matrix of what caught
 * what is written to {@code target/conformance/detection-server.md}.
 */
class DetectionMatrixIT {

    @Test
    @DisplayName("every observable server-role ID has a fault that only its case catches; every fault is caught")
    void onlyItsCaseCatches() throws Exception {
        try (LtpServer plain = LtpServer.builder().host("127.0.0.1").port(0).heartbeatInterval(Duration.ofSeconds(1))
                .threadTtl(Duration.ofMillis(ServerFaultsIT.THREAD_TTL_MS))
                .rateLimit(ServerFaultsIT.RATE_LIMIT, Duration.ofMinutes(1))
                .peerLimits(ServerFaultsIT.MANY_HANDSHAKES)
                .handler(ServerConformanceIT.BROADCASTER).build().start();
             // For the fault that swallows pings: with a 1 s heartbeat the server idle-closes such a connection
             // after 2 s, and any case that only pings for longer on a slow moment would catch that fault too.
             LtpServer patient = LtpServer.builder().host("127.0.0.1").port(0).heartbeatInterval(Duration.ofSeconds(5))
                .threadTtl(Duration.ofMillis(ServerFaultsIT.THREAD_TTL_MS))
                .rateLimit(ServerFaultsIT.RATE_LIMIT, Duration.ofMinutes(1))
                .peerLimits(ServerFaultsIT.MANY_HANDSHAKES)
                .handler(ServerConformanceIT.BROADCASTER).build().start();
             LtpServer secured = LtpServer.builder().host("127.0.0.1").port(0)
                .peerLimits(ServerFaultsIT.MANY_HANDSHAKES)
                .security(MessageSecurity.builder().signatures(clientId -> ServerFaultsIT.SECRET)
                        .replayProtection(ReplayGuard.builder().build()).build())
                .authenticator(request -> ServerFaultsIT.TOKEN.equals(request.token())
                        ? AuthResult.allow(request.clientId()) : AuthResult.deny("wrong token"))
                .build().start()) {
            Set<String> untimed = new LinkedHashSet<>();
            for (ConformanceSuite.CaseInfo info : ConformanceSuite.cases(Role.SERVER)) {
                if (!info.id().startsWith("LTP-HB")) {
                    untimed.add(info.id());
                }
            }
            Map<String, Set<String>> caughtBy = new TreeMap<>();
            List<String> rows = new ArrayList<>();
            for (ServerFaults fault : ServerFaults.values()) {
                Set<String> ids = new LinkedHashSet<>(untimed);
                ids.add(fault.caseId());
                int port = fault.secured() ? secured.port()
                        : fault == ServerFaults.IDLE_CLOCK_IGNORES_PINGS ? patient.port() : plain.port();
                try (FaultProxy proxy = new FaultProxy(URI.create("ws://127.0.0.1:" + port + "/"), fault.fault())) {
                    ConformanceReport report = ConformanceSuite.testServer(proxy.url(),
                            fault.options(ids.toArray(String[]::new)).build());
                    Set<String> caught = report.results().stream()
                            .filter(result -> result.outcome() == Outcome.FAIL || result.outcome() == Outcome.WARN)
                            .map(CaseResult::id).collect(Collectors.toCollection(TreeSet::new));
                    caughtBy.put(fault.name(), caught);
                    rows.add("| " + fault.name() + " | " + fault.caseId() + " | " + String.join(", ", caught) + " |");
                    assertThat(caught).as(fault + " is caught by its case; " + report.toText())
                            .contains(fault.caseId());
                }
            }
            Set<String> observable = new TreeSet<>();
            for (ConformanceSuite.CaseInfo info : ConformanceSuite.cases(Role.SERVER)) {
                observable.add(info.id());
            }
            observable.remove("LTP-ENV-004"); // application behaviour: not observable from outside
            Set<String> alone = new TreeSet<>();
            for (ServerFaults fault : ServerFaults.values()) {
                if (caughtBy.get(fault.name()).equals(Set.of(fault.caseId()))) {
                    alone.add(fault.caseId());
                }
            }
            Files.createDirectories(ServerConformanceIT.REPORTS);
            Files.writeString(ServerConformanceIT.REPORTS.resolve("detection-server.md"),
                    "| Fault | Written for | Caught by |\n|---|---|---|\n" + String.join("\n", rows) + "\n");
            assertThat(alone).as("IDs with a fault that only their case catches; matrix:\n" + String.join("\n", rows))
                    .containsAll(observable);
        }
    }
}
