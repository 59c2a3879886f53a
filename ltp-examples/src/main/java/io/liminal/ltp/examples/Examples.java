package io.liminal.ltp.examples;

import com.google.gson.JsonElement;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Starts an example by name: {@code java -jar ltp-examples.jar <name> [args]} (what {@code bin/ltp-example} runs).
 */
public final class Examples {
    /** An example: its main class and the arguments it takes. */
    private record Example(String mainClass, String usage, String summary) {
    }

    private static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static {
        add("minimal-server", MinimalServer.class, "[port]", "the smallest server, default port 8080");
        add("minimal-client", MinimalClient.class, "[ws://host:port/]", "connect, send, receive, disconnect");
        add("evening-reflection", EveningReflection.class, "", "the spec's LRI scenario");
        add("toon-affect-log", ToonAffectLog.class, "[rows]", "an affect log sent as TOON, default 20 rows");
        add("resilient-client", ResilientClient.class, "", "offline buffering and resume while the server restarts");
        add("secure-client", SecureClient.class, "wss://host/ trust-store.p12 password token",
                "TLS with a trust store and token authentication");
        add("embedded-server", EmbeddedServer.class, "[ltp-port] [http-port]",
                "ltp-server inside an application, defaults 8080 and 8081");
        add("conformance", RunConformance.class, "[ws://host:port/]", "the conformance suite against a server");
    }

    private static void add(String name, Class<?> main, String usage, String summary) {
        EXAMPLES.put(name, new Example(main.getName(), usage, summary));
    }

    private Examples() {
    }

    /** The example names, as {@code bin/ltp-example} takes them. */
    static Set<String> names() {
        return EXAMPLES.keySet();
    }

    /** The main class of an example, or {@code null}. */
    static String mainClass(String name) {
        Example example = EXAMPLES.get(name);
        return example == null ? null : example.mainClass();
    }

    /** How to run {@code name}. */
    static String usage(String name) {
        String usage = EXAMPLES.get(name).usage();
        return "Usage: bin/ltp-example " + name + (usage.isEmpty() ? "" : " " + usage);
    }

    /** Entry point: runs the example named by the first argument; a failure is one line and the usage. */
    public static void main(String[] args) throws Exception {
        Example example = args.length == 0 ? null : EXAMPLES.get(args[0]);
        if (example == null) {
            System.err.println("Usage: bin/ltp-example <name> [args]" + (args.length == 0 ? ""
                    : " (no example named '" + args[0] + "')"));
            EXAMPLES.forEach((name, each) -> System.err.printf("  %-20s %s%n", name, each.summary()));
            System.err.println("  spring-boot          a Spring Boot application with LTP at /ltp (bin/ltp-example only)");
            System.exit(2);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (rest.length == 1 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
            System.out.println(usage(args[0]) + "\n  " + example.summary());
            return;
        }
        try {
            Class.forName(example.mainClass()).getMethod("main", String[].class).invoke(null, (Object) rest);
        } catch (InvocationTargetException e) {
            System.err.println(args[0] + ": " + describe(e.getCause()));
            System.err.println(usage(args[0]));
            System.exit(1);
        }
    }

    /** One line for a failure: what it was and why, with the innermost cause that says more. */
    static String describe(Throwable failure) {
        Throwable shown = failure;
        while ((shown instanceof java.util.concurrent.CompletionException
                || shown instanceof java.util.concurrent.ExecutionException
                || shown instanceof java.io.UncheckedIOException) && shown.getCause() != null) {
            shown = shown.getCause();
        }
        if (shown instanceof ArrayIndexOutOfBoundsException) {
            return "missing arguments";
        }
        if (shown instanceof java.util.concurrent.TimeoutException) {
            return "timed out (is the server running, at that address?)";
        }
        if (shown instanceof NumberFormatException number) {
            return "not a number (" + number.getMessage() + ")";
        }
        String message = shown.getMessage();
        return shown.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** A server-side event envelope; the server fills in ids, timestamp and nonce. */
    static Envelope event(String eventType, JsonElement data) {
        return Envelope.builder("event").payloadOwned(new EventPayload(eventType, data).toJson()).build();
    }
}
