package io.liminal.ltp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The code in docs/client.md is the code of the examples (tagged regions), so it compiles and its smoke tests
 * run it. Changing an example without the docs, or the docs without the example, fails here.
 */
class DocsSnippetsTest {
    private static final Path EXAMPLES = Path.of("src", "main", "java", "io", "liminal", "ltp", "examples");

    static String region(String file, String tag) throws IOException {
        String source = Files.readString(EXAMPLES.resolve(file));
        Matcher matcher = Pattern.compile("// tag::" + Pattern.quote(tag) + "\\[\\]\\n(.*?)\\n\\s*// end::"
                + Pattern.quote(tag) + "\\[\\]", Pattern.DOTALL).matcher(source);
        assertThat(matcher.find()).as("region " + tag + " in " + file).isTrue();
        List<String> lines = matcher.group(1).lines().toList();
        int indent = lines.stream().filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(line -> line.length() >= indent ? line.substring(indent) : line)
                .toList());
    }

    @ParameterizedTest
    @CsvSource({
        "MinimalClient.java, minimal-client",
        "ResilientClient.java, resilient-client",
        "EveningReflection.java, evening-reflection",
        "ToonAffectLog.java, toon-client",
        "SecureClient.java, secure-client",
    })
    void clientGuideShowsTheExampleCode(String file, String tag) throws IOException {
        String docs = Files.readString(Path.of("..", "docs", "client.md"));
        assertThat(docs).contains("```java\n" + region(file, tag) + "\n```");
    }
}
