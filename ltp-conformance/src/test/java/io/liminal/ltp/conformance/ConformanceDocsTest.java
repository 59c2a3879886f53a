package io.liminal.ltp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** docs/conformance.md lists every case with its ID, level and description, as the suite runs them. */
class ConformanceDocsTest {

    @ParameterizedTest
    @EnumSource(Role.class)
    void everyCaseIsListed(Role role) throws IOException {
        String docs = Files.readString(Path.of("..", "docs", "conformance.md"));
        String section = docs.substring(docs.indexOf(role == Role.SERVER ? "### Server role" : "### Client role"));
        for (ConformanceSuite.CaseInfo info : ConformanceSuite.cases(role)) {
            assertThat(section).contains("| " + info.id() + " | " + info.level() + " | " + info.name() + " |");
        }
    }
}
