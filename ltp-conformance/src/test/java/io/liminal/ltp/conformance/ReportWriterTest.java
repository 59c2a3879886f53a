package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportWriterTest {
    private final ConformanceReport report = new ConformanceReport(Role.SERVER, "ws://example/", Instant.EPOCH,
            Duration.ofMillis(1500), List.of(
                    new CaseResult("LTP-HS-003", "acks", Level.MUST, Outcome.PASS, null, List.of("ok"),
                            Duration.ofMillis(10)),
                    new CaseResult("LTP-MSG-001", "pongs <&> \"quoted\"", Level.MUST, Outcome.FAIL, "no pong \u0001",
                            List.of("+ 0 ms conn#1 > {\"type\":\"ping\"}"), Duration.ofMillis(20)),
                    new CaseResult("LTP-LIM-002", "too large", Level.SHOULD, Outcome.WARN, "closed instead",
                            List.of("evidence"), Duration.ofMillis(30)),
                    new CaseResult("LTP-SEC-007", "auth", Level.MUST, Outcome.SKIP, "no token", List.of(),
                            Duration.ZERO)));

    @Test
    void summaryAndVerdict() {
        assertThat(report.passed()).isFalse();
        assertThat(report.mustFailures()).extracting(CaseResult::id).containsExactly("LTP-MSG-001");
        assertThat(report.toText()).contains("FAIL MUST   LTP-MSG-001", "no pong", "1 passed, 1 failed, 1 warnings, "
                + "1 skipped, 0 inconclusive", "1 requirement(s) failed, 1 of them MUST");
    }

    @Test
    void jsonFollowsTheDocumentedSchema() {
        JsonObject json = JsonParser.parseString(report.toJson()).getAsJsonObject();
        assertThat(json.get("schema_version").getAsInt()).isEqualTo(1);
        assertThat(json.get("role").getAsString()).isEqualTo("server");
        JsonObject summary = json.getAsJsonObject("summary");
        assertThat(summary.get("fail").getAsInt()).isEqualTo(1);
        assertThat(summary.get("conforms").getAsBoolean()).isFalse();
        JsonObject failed = json.getAsJsonArray("cases").get(1).getAsJsonObject();
        assertThat(failed.get("outcome").getAsString()).isEqualTo("fail");
        assertThat(failed.get("name").getAsString()).isEqualTo("pongs <&> \"quoted\"");
        assertThat(failed.getAsJsonArray("evidence").get(0).getAsString()).contains("{\"type\":\"ping\"}");
    }

    @Test
    void junitXmlIsWellFormedAndMapsOutcomes() throws Exception {
        String xml = report.toJUnitXml();
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(xml).contains("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\"",
                "<failure message=\"no pong ?\">", "<skipped message=\"no token\"/>", "WARN: closed instead",
                "pongs &lt;&amp;&gt; &quot;quoted&quot;");
    }
}
