package io.liminal.ltp.conformance.internal;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.liminal.ltp.conformance.CaseResult;
import io.liminal.ltp.conformance.ConformanceReport;
import io.liminal.ltp.conformance.Outcome;
import java.util.Locale;

/** Renders a {@link ConformanceReport} as text, JSON and JUnit XML. */
public final class ReportWriter {
    /** Version of the JSON report's schema (docs/conformance.md). */
    public static final int JSON_SCHEMA_VERSION = 1;

    private ReportWriter() {
    }

    public static String text(ConformanceReport report) {
        StringBuilder out = new StringBuilder();
        out.append("LTP v0.3 conformance: ").append(report.role().name().toLowerCase(Locale.ROOT)).append(" ")
                .append(report.target()).append('\n').append('\n');
        for (CaseResult result : report.results()) {
            out.append(String.format(Locale.ROOT, "%-4s %-6s %-12s %s (%d ms)%n", result.outcome(), result.level(),
                    result.id(), result.name(), result.duration().toMillis()));
            if (result.outcome() != Outcome.PASS && result.message() != null) {
                out.append("       ").append(result.message()).append('\n');
            }
            if (result.outcome() == Outcome.FAIL || result.outcome() == Outcome.WARN
                    || result.outcome() == Outcome.INCONCLUSIVE) {
                for (String line : result.evidence()) {
                    out.append("         ").append(line).append('\n');
                }
            }
        }
        out.append('\n').append(String.format(Locale.ROOT,
                "%d passed, %d failed, %d warnings, %d skipped, %d inconclusive in %.1f s: %s%n",
                report.count(Outcome.PASS), report.count(Outcome.FAIL), report.count(Outcome.WARN),
                report.count(Outcome.SKIP), report.count(Outcome.INCONCLUSIVE), report.duration().toMillis() / 1000.0,
                report.passed() ? "CONFORMS (every MUST that ran passed)"
                        : report.count(Outcome.FAIL) + " requirement(s) failed, " + report.mustFailures().size()
                                + " of them MUST"));
        return out.toString();
    }

    public static String json(ConformanceReport report) {
        JsonObject root = new JsonObject();
        root.addProperty("schema_version", JSON_SCHEMA_VERSION);
        root.addProperty("suite", "ltp-conformance");
        root.addProperty("spec", "LTP v0.3");
        root.addProperty("role", report.role().name().toLowerCase(Locale.ROOT));
        root.addProperty("target", report.target());
        root.addProperty("started_at", report.startedAt().toString());
        root.addProperty("duration_ms", report.duration().toMillis());
        JsonObject summary = new JsonObject();
        for (Outcome outcome : Outcome.values()) {
            summary.addProperty(outcome.name().toLowerCase(Locale.ROOT), report.count(outcome));
        }
        summary.addProperty("must_failures", report.mustFailures().size());
        summary.addProperty("conforms", report.passed());
        root.add("summary", summary);
        JsonArray cases = new JsonArray();
        for (CaseResult result : report.results()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("id", result.id());
            entry.addProperty("name", result.name());
            entry.addProperty("level", result.level().name());
            entry.addProperty("outcome", result.outcome().name().toLowerCase(Locale.ROOT));
            entry.addProperty("duration_ms", result.duration().toMillis());
            if (result.message() != null) {
                entry.addProperty("message", result.message());
            }
            JsonArray evidence = new JsonArray();
            result.evidence().forEach(evidence::add);
            entry.add("evidence", evidence);
            cases.add(entry);
        }
        root.add("cases", cases);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
    }

    public static String junitXml(ConformanceReport report) {
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        String suite = "ltp-conformance." + report.role().name().toLowerCase(Locale.ROOT);
        out.append(String.format(Locale.ROOT, "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
                        + "skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\">%n", xml(suite), report.results().size(),
                report.count(Outcome.FAIL), report.count(Outcome.SKIP) + report.count(Outcome.INCONCLUSIVE),
                report.duration().toMillis() / 1000.0, xml(report.startedAt().toString())));
        out.append("  <properties><property name=\"target\" value=\"").append(xml(report.target()))
                .append("\"/></properties>\n");
        for (CaseResult result : report.results()) {
            out.append(String.format(Locale.ROOT, "  <testcase classname=\"%s.%s\" name=\"%s\" time=\"%.3f\"",
                    xml(suite), xml(result.id()), xml(result.level() + " " + result.name()),
                    result.duration().toMillis() / 1000.0));
            String evidence = String.join("\n", result.evidence());
            switch (result.outcome()) {
                case PASS -> out.append("/>\n");
                case SKIP, INCONCLUSIVE -> out.append(">\n    <skipped message=\"")
                        .append(xml(result.outcome() == Outcome.INCONCLUSIVE ? "INCONCLUSIVE: " + result.message()
                                : result.message())).append("\"/>\n").append("  </testcase>\n");
                case FAIL -> out.append(">\n    <failure message=\"").append(xml(result.message())).append("\">")
                        .append(xml(evidence)).append("</failure>\n  </testcase>\n");
                case WARN -> out.append(">\n    <system-out>WARN: ").append(xml(result.message())).append('\n')
                        .append(xml(evidence)).append("</system-out>\n  </testcase>\n");
                default -> throw new IllegalStateException(result.outcome().toString());
            }
        }
        return out.append("</testsuite>\n").toString();
    }

    private static String xml(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\n', '\t', '\r' -> out.append(c);
                default -> {
                    // XML 1.0 forbids most control characters even as references.
                    if (c >= 0x20 && !(c >= 0xD800 && c <= 0xDFFF && !validSurrogate(text, i))) {
                        out.append(c);
                    } else {
                        out.append('?');
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean validSurrogate(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}
