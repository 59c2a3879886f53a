package io.liminal.ltp.conformance;

import io.liminal.ltp.conformance.internal.Case;
import io.liminal.ltp.conformance.internal.CaseContext;
import io.liminal.ltp.conformance.internal.CaseRunner;
import io.liminal.ltp.conformance.internal.ClientCases;
import io.liminal.ltp.conformance.internal.ClientContext;
import io.liminal.ltp.conformance.internal.Evidence;
import io.liminal.ltp.conformance.internal.RatePacer;
import io.liminal.ltp.conformance.internal.ServerCases;
import io.liminal.ltp.conformance.internal.ServerContext;
import java.net.URI;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The suite as JUnit 5 dynamic tests, one per case, so Java implementers run it inside their own test suites:
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicTest> ltpConformance() {
 *     return LtpConformance.server(URI.create("ws://127.0.0.1:" + server.port() + "/"), SuiteOptions.defaults());
 * }
 * }</pre>
 *
 * A failed MUST fails its test with the evidence as message; a skipped case is reported as aborted; a SHOULD
 * not met (a warning) passes and prints the evidence. Requires {@code junit-jupiter-api} on the class path.
 */
public final class LtpConformance {
    private LtpConformance() {
    }

    /** One dynamic test per server-role case selected by {@code options}. */
    public static Stream<DynamicTest> server(URI url, SuiteOptions options) {
        RatePacer pacer = ServerContext.pacerFor(options);
        return tests(ServerCases.all(), options, evidence -> new ServerContext(url, options, evidence, pacer));
    }

    /** One dynamic test per client-role case selected by {@code options}. */
    public static Stream<DynamicTest> client(ClientUnderTest client, SuiteOptions options) {
        return tests(ClientCases.all(), options, evidence -> new ClientContext(client, options, evidence));
    }

    private static <C extends CaseContext> Stream<DynamicTest> tests(List<Case<C>> cases, SuiteOptions options,
            Function<Evidence, C> contexts) {
        return cases.stream().filter(c -> options.selects(c.id(), c.level()))
                .map(c -> DynamicTest.dynamicTest(c.level() + " " + c.id() + " " + c.name(), run(c, options, contexts)));
    }

    private static <C extends CaseContext> Executable run(Case<C> definition, SuiteOptions options,
            Function<Evidence, C> contexts) {
        return () -> {
            CaseResult result = CaseRunner.run(definition, options, contexts);
            String evidence = String.join("\n", result.evidence());
            switch (result.outcome()) {
                case PASS -> { }
                case WARN -> System.out.println("WARN " + result.title() + ": " + result.message() + "\n" + evidence);
                case SKIP -> throw new TestAbortedException(result.message());
                case INCONCLUSIVE -> throw new TestAbortedException("Inconclusive: " + result.message());
                case FAIL -> throw new AssertionFailedError(result.message() + "\n" + evidence);
                default -> throw new IllegalStateException(result.outcome().toString());
            }
        };
    }
}
