package io.liminal.ltp.bench.jmh;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.codec.Toon;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.StateUpdatePayload;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Codec hot paths against the plain Gson tree in the same run: our full decode+validate vs
 * {@code JsonParser.parseString}, our encode vs {@code JsonElement.toString()} of the same frame.
 *
 * <pre>
 * mvn -B -q -pl ltp-bench -am package -DskipTests
 * java -jar ltp-bench/target/ltp-bench.jar CodecBenchmark -f 2 -wi 5 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class CodecBenchmark {

    /** The three frames of the benchmark. */
    @Param({"ping", "state_update_1k", "toon_64k"})
    public String frame;

    private final LtpCodec codec = LtpCodec.standard();
    private String text;
    private LtpMessage message;
    private JsonElement tree;

    @Setup
    public void setUp() {
        Envelope envelope = switch (frame) {
            case "ping" -> Envelope.builder("ping").threadId("7c9e6679-7425-40de-944b-e07fc1f90ae7")
                    .sessionId("a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1").timestamp(1731600000)
                    .meta(Meta.builder().clientId("client-123").build())
                    .nonce("client-123-1731600000123-00ff00ff00ff00ff").build();
            case "state_update_1k" -> stateUpdate1k();
            case "toon_64k" -> toon64k();
            default -> throw new IllegalArgumentException(frame);
        };
        text = codec.encode(envelope);
        message = codec.decode(text);
        tree = JsonParser.parseString(text);
    }

    static Envelope stateUpdate1k() {
        JsonObject data = new JsonObject();
        data.addProperty("focus_level", 0.8);
        data.addProperty("summary", "x".repeat(300));
        JsonArray readings = new JsonArray();
        for (int i = 0; i < 40; i++) {
            JsonObject reading = new JsonObject();
            reading.addProperty("t", 1731600000 + i);
            reading.addProperty("v", i / 7.0);
            readings.add(reading);
        }
        data.add("readings", readings);
        return Envelope.builder("state_update").threadId("7c9e6679-7425-40de-944b-e07fc1f90ae7")
                .sessionId("a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1").timestamp(1731600000)
                .payload(new StateUpdatePayload("full", data).toJson())
                .meta(Meta.builder().clientId("client-123").affect(0.3, -0.2).contextTag("evening_reflection").build())
                .nonce("client-123-1731600000123-00ff00ff00ff00ff").build();
    }

    static Envelope toon64k() {
        JsonArray rows = new JsonArray();
        for (int i = 0; i < 3_000; i++) {
            JsonObject row = new JsonObject();
            row.addProperty("t", 1731600000 + i);
            row.addProperty("valence", (i % 200) / 100.0 - 1);
            row.addProperty("arousal", (i % 97) / 97.0);
            rows.add(row);
        }
        String toon = Toon.encodeTable("affect_log", rows);
        return Envelope.builder("state_update").threadId("7c9e6679-7425-40de-944b-e07fc1f90ae7")
                .sessionId("a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1").timestamp(1731600000)
                .contentEncoding(ContentEncoding.TOON)
                .payload(new StateUpdatePayload("affect_log_v1", new com.google.gson.JsonPrimitive(toon)).toJson())
                .meta(Meta.builder().clientId("client-123").contextTag("evening_reflection").build())
                .build();
    }

    /** Our decode with every validation of the spec. */
    @Benchmark
    public LtpMessage decodeValidate() {
        return codec.decode(text);
    }

    /** Baseline: Gson's tree parse of the same text, no validation. */
    @Benchmark
    public JsonElement baselineGsonParse() {
        return JsonParser.parseString(text);
    }

    /** Our encode. */
    @Benchmark
    public String encode() {
        return codec.encode(message);
    }

    /** Baseline: Gson's tree printed with toString. */
    @Benchmark
    public String baselineGsonToString() {
        return tree.toString();
    }
}
