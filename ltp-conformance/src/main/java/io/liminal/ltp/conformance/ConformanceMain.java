package io.liminal.ltp.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The command line of the suite.
 *
 * <pre>
 * java -jar ltp-conformance-&lt;version&gt;.jar server ws://localhost:8080/ [options]
 * java -jar ltp-conformance-&lt;version&gt;.jar client [options] -- &lt;command that starts the client, with {url}&gt;
 * java -jar ltp-conformance-&lt;version&gt;.jar list server|client
 * </pre>
 *
 * Exit status: 0 when every MUST that ran passed (with {@code --strict}, every SHOULD too), 1 when one failed, 2 on
 * a usage error.
 */
public final class ConformanceMain {
    private static final String USAGE = """
            Usage:
              server <ws-or-wss-url> [options]          check a server
              client [options] -- <command> [args]      check a client; {url} in the command is the server URL
              list server|client                        list the cases
            Options:
              --only <prefixes>          run cases whose ID starts with one of these (comma-separated), e.g. LTP-HS,LTP-ENV-005
              --levels <levels>          run only these levels (comma-separated MUST,SHOULD,MAY)
              --json <file>              also write the JSON report
              --junit <file>             also write a JUnit XML report
              --reply-timeout <dur>      wait for each expected answer (default 3s)
              --case-timeout <dur>       limit per case (default 60s)
              --max-heartbeat-wait <dur> skip server heartbeat cases needing longer (default 20s)
              --token <token>            a token the server accepts (enables LTP-SEC-007)
              --signing-secret <secret>  the server's HMAC secret (enables LTP-SEC-003/004)
              --replay-protection        the server has replay protection on (enables LTP-SEC-005/006)
              --header <name=value>      extra header on every upgrade request (repeatable)
              --insecure                 trust any TLS certificate (wss:// test servers)
              --client-heartbeat-ms <n>  heartbeat the scripted server announces to clients (default 500)
              --quick-reconnect          check only the first three reconnect delays (saves about 50 s)
              --state-dir <dir>          where a client command keeps its state (default: a temporary directory)
              --strict                   a SHOULD not met fails too (default: it only warns)
              --profile <file>           what the server is configured to do: limits, caps, TTL, heartbeat, idle
                                         close, push trigger, token, secret (JSON; see docs/conformance.md)
              --parallel <n>             server cases run at once (default 6; timing cases always run alone)
              --transport <websocket|sse> what carries the server cases (default websocket; sse: the sse-v1
                                         binding at /ltp/sse of the URL's host)
            Durations: 500ms, 3s, 1m. Exit status 0 when every MUST that ran passed (with --strict, every SHOULD
            too), 1 otherwise, 2 on bad usage.
            """;

    private ConformanceMain() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line and returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || "--help".equals(args[0]) || "-h".equals(args[0])) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            return switch (args[0]) {
                case "server" -> server(args, out, err);
                case "client" -> client(args, out, err);
                case "list" -> list(args, out);
                default -> throw new IllegalArgumentException("Unknown command " + args[0]);
            };
        } catch (IllegalArgumentException e) {
            err.println("ltp-conformance: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (IOException e) {
            err.println("ltp-conformance: " + e.getMessage());
            return 2;
        }
    }

    private static int list(String[] args, PrintStream out) {
        Role role = args.length > 1 && "client".equals(args[1]) ? Role.CLIENT : Role.SERVER;
        for (ConformanceSuite.CaseInfo info : ConformanceSuite.cases(role)) {
            out.printf(Locale.ROOT, "%-12s %-6s %s%n", info.id(), info.level(), info.name());
        }
        return 0;
    }

    private static int server(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length < 2 || args[1].startsWith("--")) {
            throw new IllegalArgumentException("server needs a ws:// or wss:// URL");
        }
        URI url = URI.create(args[1]);
        if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
            throw new IllegalArgumentException("Not a WebSocket URL: " + url);
        }
        Parsed parsed = parse(args, 2);
        err.println("LTP v0.3 conformance: server " + url);
        ConformanceReport report = ConformanceSuite.testServer(url, parsed.options.build(), progress(err));
        return finish(report, parsed, out);
    }

    private static int client(String[] args, PrintStream out, PrintStream err) throws IOException {
        int separator = List.of(args).indexOf("--");
        if (separator < 0 || separator == args.length - 1) {
            throw new IllegalArgumentException("client needs the command after --");
        }
        Parsed parsed = parse(java.util.Arrays.copyOfRange(args, 0, separator), 1);
        List<String> command = List.of(args).subList(separator + 1, args.length);
        Path state = parsed.stateDir != null ? parsed.stateDir : Files.createTempDirectory("ltp-conformance-client");
        ClientUnderTest client = new CommandClient(command, state);
        err.println("LTP v0.3 conformance: client " + client + " (state in " + state + ")");
        ConformanceReport report = ConformanceSuite.testClient(client, parsed.options.build(), progress(err));
        return finish(report, parsed, out);
    }

    /** One line per case as it finishes, on stderr: stdout carries only the report. */
    private static java.util.function.Consumer<CaseResult> progress(PrintStream err) {
        return result -> err.printf(Locale.ROOT, "  %-4s %-6s %-12s %s%n", result.outcome(), result.level(),
                result.id(), result.name());
    }

    private static int finish(ConformanceReport report, Parsed parsed, PrintStream out) throws IOException {
        out.print(report.toText());
        if (parsed.json != null) {
            Files.writeString(parsed.json, report.toJson(), StandardCharsets.UTF_8);
        }
        if (parsed.junit != null) {
            Files.writeString(parsed.junit, report.toJUnitXml(), StandardCharsets.UTF_8);
        }
        return report.passed() ? 0 : 1;
    }

    private static final class Parsed {
        final SuiteOptions.Builder options = SuiteOptions.builder();
        Path json;
        Path junit;
        Path stateDir;
    }

    private static Parsed parse(String[] args, int from) {
        Parsed parsed = new Parsed();
        for (int i = from; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--replay-protection" -> parsed.options.replayProtection(true);
                case "--insecure" -> parsed.options.sslContext(trustAll());
                case "--quick-reconnect" -> parsed.options.fullReconnectSchedule(false);
                case "--strict" -> parsed.options.strict(true);
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("Option " + flag + " needs a value");
                    }
                    String value = args[++i];
                    switch (flag) {
                        case "--only" -> parsed.options.only(value.split(","));
                        case "--levels" -> {
                            List<Level> levels = new ArrayList<>();
                            for (String level : value.split(",")) {
                                levels.add(Level.valueOf(level.trim().toUpperCase(Locale.ROOT)));
                            }
                            parsed.options.levels(levels.get(0), levels.subList(1, levels.size()).toArray(Level[]::new));
                        }
                        case "--json" -> parsed.json = Path.of(value);
                        case "--junit" -> parsed.junit = Path.of(value);
                        case "--reply-timeout" -> parsed.options.replyTimeout(duration(value));
                        case "--case-timeout" -> parsed.options.caseTimeout(duration(value));
                        case "--max-heartbeat-wait" -> parsed.options.maxHeartbeatWait(duration(value));
                        case "--token" -> parsed.options.authToken(value);
                        case "--signing-secret" -> parsed.options.signingSecret(value);
                        case "--header" -> {
                            int equals = value.indexOf('=');
                            if (equals <= 0) {
                                throw new IllegalArgumentException("--header needs name=value");
                            }
                            parsed.options.header(value.substring(0, equals), value.substring(equals + 1));
                        }
                        case "--client-heartbeat-ms" -> parsed.options.clientHeartbeatMs(Integer.parseInt(value));
                        case "--state-dir" -> parsed.stateDir = Path.of(value);
                        case "--profile" -> parsed.options.profile(readProfile(value));
                        case "--parallel" -> parsed.options.parallelism(Integer.parseInt(value));
                        case "--transport" -> parsed.options.transport(switch (value.toLowerCase(Locale.ROOT)) {
                            case "websocket", "ws" -> SuiteOptions.Transport.WEBSOCKET;
                            case "sse" -> SuiteOptions.Transport.SSE;
                            default -> throw new IllegalArgumentException("--transport is websocket or sse");
                        });
                        default -> throw new IllegalArgumentException("Unknown option " + flag);
                    }
                }
            }
        }
        return parsed;
    }

    private static String readProfile(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the profile " + file + ": " + e.getMessage());
        }
    }

    static Duration duration(String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (lower.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
            }
            if (lower.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
            if (lower.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(lower));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a duration: " + text);
        }
    }

    private static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
