package io.liminal.ltp.examples;

import io.liminal.ltp.conformance.ConformanceReport;
import io.liminal.ltp.conformance.ConformanceSuite;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.server.LtpServer;
import java.net.URI;
import java.time.Duration;

/**
 * Runs the conformance suite from Java against a server URL (without a URL, against an ltp-server started
 * here). The same suite runs from the command line ({@code java -jar ltp-conformance-<version>.jar server <url>})
 * and as JUnit 5 tests ({@code LtpConformance.server(url, options)}).
 *
 * <pre>bin/ltp-example conformance [ws://localhost:8080/]</pre>
 */
public final class RunConformance {
    private RunConformance() {
    }

    /** Checks {@code url}. */
    public static ConformanceReport run(URI url, SuiteOptions options) {
        // tag::conformance[]
        ConformanceReport report = ConformanceSuite.testServer(url, options,
                result -> System.out.println("  " + result.outcome() + " " + result.title()));
        System.out.print(report.toText());
        // end::conformance[]
        return report;
    }

    /** Entry point: {@code [url]}; exits 1 when a MUST failed. */
    public static void main(String[] args) {
        SuiteOptions options = SuiteOptions.defaults();
        ConformanceReport report;
        if (args.length > 0) {
            report = run(URI.create(args[0]), options);
        } else {
            try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0)
                    .heartbeatInterval(Duration.ofSeconds(1)).build().start()) {
                report = run(URI.create("ws://127.0.0.1:" + server.port() + "/"), options);
            }
        }
        System.exit(report.passed() ? 0 : 1);
    }
}
