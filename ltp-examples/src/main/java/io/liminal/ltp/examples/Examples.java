package io.liminal.ltp.examples;

import com.google.gson.JsonElement;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Starts an example by name: {@code java -jar ltp-examples.jar <name> [args]} (what {@code bin/ltp-example} runs).
 */
public final class Examples {
    private static final Map<String, String> MAINS = new LinkedHashMap<>();

    static {
        MAINS.put("minimal-server", MinimalServer.class.getName());
        MAINS.put("minimal-client", MinimalClient.class.getName());
        MAINS.put("evening-reflection", EveningReflection.class.getName());
        MAINS.put("toon-affect-log", ToonAffectLog.class.getName());
        MAINS.put("resilient-client", ResilientClient.class.getName());
        MAINS.put("secure-client", SecureClient.class.getName());
        MAINS.put("embedded-server", EmbeddedServer.class.getName());
        MAINS.put("conformance", RunConformance.class.getName());
    }

    private Examples() {
    }

    /** The example names, as {@code bin/ltp-example} takes them. */
    static Set<String> names() {
        return MAINS.keySet();
    }

    /** The main class of an example, or {@code null}. */
    static String mainClass(String name) {
        return MAINS.get(name);
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String main = args.length == 0 ? null : mainClass(args[0]);
        if (main == null) {
            System.err.println("Usage: ltp-example <name> [args]; names: " + String.join(", ", MAINS.keySet()));
            System.exit(2);
            return;
        }
        Class.forName(main).getMethod("main", String[].class)
                .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }

    /** A server-side event envelope; the server fills in ids, timestamp and nonce. */
    static Envelope event(String eventType, JsonElement data) {
        return Envelope.builder("event").payloadOwned(new EventPayload(eventType, data).toJson()).build();
    }
}
