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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs the LTP v0.3 conformance suite against a server (by URL) or a client (through {@link ClientUnderTest}).
 *
 * <pre>{@code
 * ConformanceReport report = ConformanceSuite.testServer(URI.create("ws://localhost:8080/"),
 *         SuiteOptions.defaults());
 * System.out.print(report.toText());
 * }</pre>
 *
 * Each case has its own connections and time limit; one failing case never stops the run. Server-role cases run
 * a few at a time ({@link SuiteOptions#parallelism()}), then the cases that measure time one after another with
 * nothing beside them; client-role cases run one after another. {@link #cases(Role)} lists them (ID, level, name) without running anything.
 */
public final class ConformanceSuite {
    private ConformanceSuite() {
    }

    /** A case as listed: its checklist ID, level and what it checks. */
    public record CaseInfo(String id, Level level, String name) {
    }

    /** Every case of a role, in the order a run executes them. */
    public static List<CaseInfo> cases(Role role) {
        List<CaseInfo> list = new ArrayList<>();
        for (Case<?> definition : role == Role.SERVER ? ServerCases.all() : ClientCases.all()) {
            list.add(new CaseInfo(definition.id(), definition.level(), definition.name()));
        }
        return list;
    }

    /** Checks the server at {@code url} ({@code ws://} or {@code wss://}). */
    public static ConformanceReport testServer(URI url, SuiteOptions options) {
        return testServer(url, options, result -> { });
    }

    /** Checks the server at {@code url}, handing each result to {@code progress} as soon as it is known. */
    public static ConformanceReport testServer(URI url, SuiteOptions options, Consumer<CaseResult> progress) {
        Objects.requireNonNull(url, "url");
        RatePacer pacer = ServerContext.pacerFor(options);
        return run(Role.SERVER, url.toString(), ServerCases.all(), options,
                evidence -> new ServerContext(url, options, evidence, pacer), progress);
    }

    /** Checks a client implementation. */
    public static ConformanceReport testClient(ClientUnderTest client, SuiteOptions options) {
        return testClient(client, options, result -> { });
    }

    /** Checks a client implementation, handing each result to {@code progress} as soon as it is known. */
    public static ConformanceReport testClient(ClientUnderTest client, SuiteOptions options,
            Consumer<CaseResult> progress) {
        Objects.requireNonNull(client, "client");
        return run(Role.CLIENT, client.toString(), ClientCases.all(), options,
                evidence -> new ClientContext(client, options, evidence), progress);
    }

    private static <C extends CaseContext> ConformanceReport run(Role role, String target, List<Case<C>> cases,
            SuiteOptions options, Function<Evidence, C> contexts, Consumer<CaseResult> progress) {
        Instant started = Instant.now();
        long start = System.nanoTime();
        List<Case<C>> selected = cases.stream()
                .filter(definition -> options.selects(definition.id(), definition.level())).toList();
        CaseResult[] results = new CaseResult[selected.size()];
        Consumer<CaseResult> reporting = result -> {
            synchronized (results) {
                progress.accept(result);
            }
        };
        int parallelism = role == Role.SERVER ? options.parallelism() : 1;
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, runnable -> {
            Thread thread = new Thread(runnable, "ltp-conformance-runner");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < selected.size(); i++) {
                if (!selected.get(i).alone()) {
                    int index = i;
                    running.add(pool.submit(() -> {
                        results[index] = CaseRunner.run(selected.get(index), options, contexts);
                        reporting.accept(results[index]);
                    }));
                }
            }
            for (Future<?> future : running) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a case runner failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        // Timing cases last, one at a time: nothing else loads the implementation while they measure.
        for (int i = 0; i < selected.size(); i++) {
            if (selected.get(i).alone()) {
                results[i] = CaseRunner.run(selected.get(i), options, contexts);
                reporting.accept(results[i]);
            }
        }
        return new ConformanceReport(role, target, started, Duration.ofNanos(System.nanoTime() - start),
                List.of(results));
    }
}
