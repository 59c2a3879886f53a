package io.liminal.ltp.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.liminal.ltp.server.internal.standalone.StandaloneConfig;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A store that cannot be opened fails the start with a message naming the setting, and never with the password
 * in it: each URL form with the real providers (port 1 on loopback refuses at once).
 */
class StoreSecretsTest {
    private static final String SECRET = "s3cret-Pw_42";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "redis://:" + SECRET + "@127.0.0.1:1",
            "redis://default:" + SECRET + "@127.0.0.1:1/0",
            "rediss://" + SECRET + "@127.0.0.1:1",
            "jdbc:postgresql://ltp:" + SECRET + "@127.0.0.1:1/ltp",
            "jdbc:postgresql://127.0.0.1:1/ltp?user=ltp&password=" + SECRET,
            "jdbc:postgresql://127.0.0.1:1/ltp?user=ltp&password=" + SECRET + "&connectTimeout=1"})
    @DisplayName("an unreachable store's start-up error and description hold no secret")
    void noSecretInErrors(String spec) {
        Map<String, String> env = Map.of("LTP_STORE", spec);
        StandaloneConfig config = StandaloneConfig.parse(new String[0], env);
        assertThat(config.storeDescription()).doesNotContain(SECRET).contains("***");
        Throwable failure = catchThrowable(() -> config.toBuilder());
        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LTP_STORE")
                .hasMessageNotContaining(SECRET);
    }
}
