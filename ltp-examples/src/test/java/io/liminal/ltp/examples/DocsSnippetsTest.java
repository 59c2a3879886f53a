package io.liminal.ltp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of the README and docs/ is a tagged region of code that compiles in the build: the examples, or
 * the snippet classes in this module's tests ({@code examples/docs}) and in ltp-examples-spring-boot. A block is
 * announced by {@code <!-- snippet: PATH#TAG -->} on the line before it and shows the region with the imports it
 * uses. Changing the code without the docs, or the docs without the code, fails here;
 * {@code mvn test -pl ltp-examples -Dtest=DocsSnippetsTest -Ddocs.update=true} rewrites the blocks from the code.
 */
class DocsSnippetsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile(
            "(?m)^<!-- snippet: (\\S+)#(\\S+) -->\\n```java\\n((?:(?!```)[\\s\\S])*?)\\n?```$");
    private static final Pattern ANY_JAVA_BLOCK = Pattern.compile("(?m)^```java$");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (static )?([\\w.]+)\\.(\\w+|\\*);$");

    /** The region {@code tag} of {@code file}, dedented, after the imports it uses and a blank line. */
    static String snippet(String file, String tag) throws IOException {
        String source = Files.readString(ROOT.resolve(file));
        Matcher matcher = Pattern.compile("// tag::" + Pattern.quote(tag) + "\\[\\]\\n(.*?)\\n\\s*// end::"
                + Pattern.quote(tag) + "\\[\\]", Pattern.DOTALL).matcher(source);
        assertThat(matcher.find()).as("region " + tag + " in " + file).isTrue();
        List<String> lines = matcher.group(1).lines().toList();
        int indent = lines.stream().filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        String region = String.join("\n", lines.stream()
                .map(line -> line.length() >= indent ? line.substring(indent) : line).toList());
        Set<String> imports = new LinkedHashSet<>();
        Matcher each = IMPORT.matcher(source);
        while (each.find()) {
            String name = each.group(3);
            if (Pattern.compile("\\b" + Pattern.quote(name) + "\\b").matcher(region).find()) {
                imports.add(each.group());
            }
        }
        return imports.isEmpty() ? region : String.join("\n", imports) + "\n\n" + region;
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>();
        documents.add(ROOT.resolve("README.md"));
        documents.add(ROOT.resolve("DEVELOPERS.md"));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    @Test
    void everyJavaBlockIsCompiledCodeWithItsImports() throws IOException {
        boolean update = Boolean.getBoolean("docs.update");
        int checked = 0;
        for (Path document : documents()) {
            String text = Files.readString(document);
            Matcher blocks = BLOCK.matcher(text);
            StringBuilder updated = new StringBuilder();
            int announced = 0;
            while (blocks.find()) {
                announced++;
                String expected = snippet(blocks.group(1), blocks.group(2));
                if (update) {
                    blocks.appendReplacement(updated, Matcher.quoteReplacement("<!-- snippet: " + blocks.group(1)
                            + "#" + blocks.group(2) + " -->\n```java\n" + expected + "\n```"));
                } else {
                    assertThat(blocks.group(3)).as(ROOT.relativize(document) + ": " + blocks.group(1) + "#"
                            + blocks.group(2)).isEqualTo(expected);
                }
                checked++;
            }
            if (update) {
                blocks.appendTail(updated);
                Files.writeString(document, updated.toString());
            }
            assertThat(ANY_JAVA_BLOCK.matcher(text).results().count())
                    .as(ROOT.relativize(document) + ": Java blocks without a <!-- snippet: PATH#TAG --> line before them")
                    .isEqualTo(announced);
        }
        assertThat(checked).as("Java blocks checked").isGreaterThan(10);
    }
}
