package io.liminal.ltp.bench.load;

/**
 * Reads values out of a Prometheus text exposition (what {@code GET /metrics} answers); enough for the load
 * generator's memory and connection figures, not a general parser.
 */
final class PrometheusText {
    private final String text;

    private PrometheusText(String text) {
        this.text = text;
    }

    /** The exposition, or an empty one for {@code null} (no /metrics). */
    static PrometheusText of(String text) {
        return new PrometheusText(text == null ? "" : text);
    }

    /**
     * The sum of every sample of {@code name} whose labels contain {@code labelFilter} (e.g. {@code area="heap"};
     * empty for all), or -1 when there is none.
     */
    double sum(String name, String labelFilter) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            int nameEnd = name.length();
            if (line.length() == nameEnd || (line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ')) {
                continue; // a longer name with this prefix
            }
            int labelsEnd = line.charAt(nameEnd) == '{' ? line.indexOf('}', nameEnd) : nameEnd;
            if (labelsEnd < 0 || !line.substring(nameEnd, labelsEnd + 1).contains(labelFilter)) {
                continue;
            }
            String[] rest = line.substring(labelsEnd + 1).trim().split("\\s+");
            try {
                sum += Double.parseDouble(rest[0]);
                found = true;
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return found ? sum : -1;
    }

    /** Used Java heap over all heap pools, or -1. */
    double heapUsedBytes() {
        return sum("jvm_memory_used_bytes", "area=\"heap\"");
    }

    /** Open connections as the LTP server counts them, or -1. */
    double connections() {
        return sum("ltp_connections_active", "");
    }
}
