package io.liminal.ltp.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a stream saw "1", "2", ... "n" exactly once and in order, and otherwise says briefly how it did not
 * (count, first divergence, duplicates, missing) instead of printing ten thousand elements.
 */
public final class Sequences {
    private Sequences() {
    }

    /** The strings "1" to "n". */
    public static List<String> numbers(int n) {
        List<String> numbers = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            numbers.add(Integer.toString(i));
        }
        return numbers;
    }

    /**
     * Throws an {@link AssertionError} unless {@code actual} is exactly "1" to "n" in order.
     *
     * @param what names the stream in the message, e.g. "server saw"
     */
    public static void assertOneToN(String what, List<String> actual, int n) {
        List<String> snapshot;
        synchronized (actual) {
            snapshot = new ArrayList<>(actual);
        }
        String problem = describeDifference(snapshot, n);
        if (problem != null) {
            throw new AssertionError(what + ": " + problem);
        }
    }

    /** Null when {@code actual} is "1" to "n" in order, else a short description of the difference. */
    static String describeDifference(List<String> actual, int n) {
        int firstDivergence = -1;
        for (int i = 0; i < Math.max(actual.size(), n); i++) {
            String want = i < n ? Integer.toString(i + 1) : null;
            String got = i < actual.size() ? actual.get(i) : null;
            if (want == null || !want.equals(got)) {
                firstDivergence = i;
                break;
            }
        }
        if (firstDivergence < 0) {
            return null;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String value : actual) {
            counts.merge(value, 1, Integer::sum);
        }
        List<String> duplicates = new ArrayList<>();
        counts.forEach((value, count) -> {
            if (count > 1) {
                duplicates.add(value + "x" + count);
            }
        });
        List<String> missing = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            if (!counts.containsKey(Integer.toString(i))) {
                missing.add(Integer.toString(i));
            }
        }
        int from = Math.max(0, firstDivergence - 3);
        int to = Math.min(actual.size(), firstDivergence + 4);
        return "expected \"1\"..\"" + n + "\" once each in order but got " + actual.size() + " elements; first divergence at"
                + " index " + firstDivergence + " (around it: " + actual.subList(from, to) + "); duplicates "
                + head(duplicates) + "; missing " + head(missing);
    }

    private static String head(List<String> values) {
        return values.size() <= 20 ? values.toString()
                : values.subList(0, 20) + " and " + (values.size() - 20) + " more";
    }
}
