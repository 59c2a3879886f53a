package io.liminal.ltp.core.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "redis://:s3cret-pw@cache:6379/0                 | redis://:***@cache:6379/0",
            "redis://default:s3cret-pw@cache:6379            | redis://default:***@cache:6379",
            "rediss://s3cret-pw@cache:6380                   | rediss://***@cache:6380",
            "redis-cluster://u:s3cret-pw@a:1,b:2             | redis-cluster://u:***@a:1,b:2",
            "jdbc:postgresql://ltp:s3cret-pw@db:5432/ltp     | jdbc:postgresql://ltp:***@db:5432/ltp",
            "jdbc:postgresql://db/ltp?user=ltp&password=s3cret-pw&ssl=true | jdbc:postgresql://db/ltp?user=ltp&password=***&ssl=true",
            "jdbc:postgresql://db/ltp?password=s3cret-pw     | jdbc:postgresql://db/ltp?password=***",
            "jdbc:sqlserver://db;user=sa;password=s3cret-pw;db=x | jdbc:sqlserver://db;user=sa;password=***;db=x",
            "jdbc:mysql://db/ltp?user=u&PWD=s3cret-pw         | jdbc:mysql://db/ltp?user=u&PWD=***",
            "wss://host/ltp?token=s3cret-pw&x=1              | wss://host/ltp?token=***&x=1",
            "sqlite:/var/lib/ltp/threads.db                   | sqlite:/var/lib/ltp/threads.db",
            "redis://cache:6379                               | redis://cache:6379"})
    @DisplayName("every URL form loses its secret and keeps everything else")
    void urls(String url, String expected) {
        assertThat(Redaction.redact(url)).isEqualTo(expected).doesNotContain("s3cret-pw");
    }

    @Test
    @DisplayName("secrets inside a longer message, e.g. a driver's error, are removed too")
    void insideMessages() {
        String message = "Invalid LTP_STORE 'redis://:s3cret-pw@h:1': Unable to connect to h/<unresolved>:1 "
                + "(url=jdbc:postgresql://u:s3cret-pw@db/x, password=s3cret-pw)";
        assertThat(Redaction.redact(message)).doesNotContain("s3cret-pw").contains("redis://:***@h:1")
                .contains("Unable to connect to h/<unresolved>:1");
    }

    @Test
    @DisplayName("known secret values are removed wherever they appear")
    void knownValues() {
        assertThat(Redaction.redact("auth failed for s3cret-pw at host", List.of("s3cret-pw")))
                .isEqualTo("auth failed for *** at host");
        assertThat(Redaction.redact((String) null)).isNull();
    }

    @Test
    @DisplayName("a failure about to be logged loses the secret in its message and its causes', keeps its stack trace")
    void throwables() {
        IllegalStateException cause = new IllegalStateException("FATAL: password=s3cret-pw rejected");
        RuntimeException error = new RuntimeException("connect to redis://:s3cret-pw@h:1 failed", cause);
        Throwable safe = Redaction.redact(error);
        assertThat(safe.toString()).startsWith("java.lang.RuntimeException: connect to redis://:***@h:1")
                .doesNotContain("s3cret-pw");
        assertThat(safe.getCause().toString()).contains("password=***").doesNotContain("s3cret-pw");
        assertThat(safe.getStackTrace()).isEqualTo(error.getStackTrace());
        RuntimeException clean = new RuntimeException("disk full");
        assertThat(Redaction.redact(clean)).isSameAs(clean);
    }
}
