package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ToonTest {
    private static final String AFFECT_LOG = "affect_log[3]{t,valence,arousal}:\n  1,0.2,-0.1\n  2,0.3,-0.2\n  3,0.1,0.0\n";

    @Test
    @DisplayName("decodes the spec's affect log (§9 first example)")
    void decodesAffectLog() {
        JsonArray rows = Toon.decodeTable(AFFECT_LOG, "affect_log");
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1).getAsJsonObject().get("valence").getAsDouble()).isEqualTo(0.3);
        assertThat(rows.get(0).getAsJsonObject().get("arousal").getAsDouble()).isEqualTo(-0.1);
    }

    @Test
    @DisplayName("decodes the spec's event batch into the JSON it gives (§9 second example)")
    void decodesEvents() {
        String toon = "events[2]{ts,event_type,target}:\n  1731600000,button_click,explore_mode\n"
                + "  1731600007,navigation,settings";
        assertThat(Toon.decodeTable(toon, "events")).isEqualTo(JsonParser.parseString(
                "[{\"ts\":1731600000,\"event_type\":\"button_click\",\"target\":\"explore_mode\"},"
                        + "{\"ts\":1731600007,\"event_type\":\"navigation\",\"target\":\"settings\"}]"));
    }

    @Test
    @DisplayName("encodes same-keyed rows as a tabular array with the spec's header and two-space rows")
    void encodesTable() {
        JsonArray rows = JsonParser.parseString("[{\"t\":1,\"valence\":0.2,\"arousal\":-0.1},"
                + "{\"t\":2,\"valence\":0.3,\"arousal\":-0.2}]").getAsJsonArray();
        String toon = Toon.encodeTable("affect_log", rows);
        assertThat(toon).isEqualTo("affect_log[2]{t,valence,arousal}:\n  1,0.2,-0.1\n  2,0.3,-0.2");
        assertThat(Toon.decodeTable(toon, "affect_log")).isEqualTo(rows);
    }

    @Test
    @DisplayName("invalid TOON is an IllegalArgumentException naming the problem")
    void invalidToon() {
        assertThatThrownBy(() -> Toon.decode("rows[3]{a}:\n  1\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid TOON");
        assertThatThrownBy(() -> Toon.decodeTable("x: 1", "rows")).hasMessageContaining("no array named 'rows'");
    }

    @Test
    @DisplayName("without JToon (an optional dependency) the helpers say what to add")
    void withoutJToonTheHelpersSayWhatToAdd() throws Exception {
        // ltp-core's classes and Gson, and nothing else: what a client application that never asked for TOON has.
        URL[] classPath = {
            Toon.class.getProtectionDomain().getCodeSource().getLocation(),
            com.google.gson.JsonElement.class.getProtectionDomain().getCodeSource().getLocation()};
        try (URLClassLoader withoutJToon = new URLClassLoader(classPath, ClassLoader.getPlatformClassLoader())) {
            Class<?> toon = withoutJToon.loadClass(Toon.class.getName());
            Method decode = toon.getMethod("decode", String.class);

            assertThatThrownBy(() -> decode.invoke(null, "a: 1"))
                    .isInstanceOf(InvocationTargetException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("dev.toonformat:jtoon");
        }
    }
}
