package io.liminal.ltp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What Maven Central users get: the BOM lists every published module at the build's version, and every published
 * module names itself for the module path. Read from the POMs, so a module added without them fails here.
 */
class PublishedModulesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    /** Modules deployed to a repository: a library jar, not marked {@code maven.deploy.skip}. */
    private static List<String> publishedModules() throws Exception {
        List<String> published = new ArrayList<>();
        Matcher modules = MODULE.matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (modules.find()) {
            String module = modules.group(1);
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            if (!pom.contains("<packaging>pom</packaging>") && !pom.contains("<maven.deploy.skip>true")) {
                published.add(module);
            }
        }
        return published;
    }

    private static String version(String pom) {
        Matcher version = Pattern.compile("</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(version.find()).isTrue();
        return version.group(1);
    }

    @Test
    void bomListsEveryPublishedModuleAtTheBuildsVersion() throws Exception {
        String bom = Files.readString(ROOT.resolve("ltp-bom/pom.xml"));
        String parent = Files.readString(ROOT.resolve("pom.xml"));

        assertThat(version(bom)).as("ltp-bom's version").isEqualTo(version(parent));
        assertThat(publishedModules()).isNotEmpty().allSatisfy(module ->
                assertThat(bom).as("ltp-bom").contains("<artifactId>" + module + "</artifactId>"));
    }

    @Test
    void everyPublishedModuleHasAStableModuleName() throws Exception {
        for (String module : publishedModules()) {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            assertThat(pom).as(module).containsPattern("<ltp.moduleName>io\\.liminal\\.ltp\\.[a-z.]+</ltp.moduleName>");
        }
    }
}
