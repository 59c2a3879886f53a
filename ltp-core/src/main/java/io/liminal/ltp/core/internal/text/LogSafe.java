package io.liminal.ltp.core.internal.text;

/**
 * Makes a peer-supplied string safe to put in a log line or an error message: control characters, quotes,
 * backslashes, lone surrogates and other invisible characters are escaped ({@code \n}, {@code \u2028}), so a value
 * can never end a log record or forge another, and the result is truncated, so a value can never flood a log.
 */
public final class LogSafe {
    /** Longest identifier kept (client ids, instances, thread ids are much shorter when honest). */
    public static final int ID_CHARS = 64;
    /** Longest free text kept (a message type, a reason). */
    public static final int TEXT_CHARS = 128;

    private LogSafe() {
    }

    /** An identifier, escaped and cut to {@link #ID_CHARS}. {@code null} stays {@code "null"}. */
    public static String id(String value) {
        return text(value, ID_CHARS);
    }

    /** Free text, escaped and cut to {@link #TEXT_CHARS}. */
    public static String text(String value) {
        return text(value, TEXT_CHARS);
    }

    /**
     * {@code value} escaped, with at most {@code maxChars} of its characters kept; a cut value ends with
     * {@code ...(N more chars)}.
     */
    public static String text(String value, int maxChars) {
        if (value == null) {
            return "null";
        }
        int keep = Math.min(value.length(), maxChars);
        if (keep > 0 && keep < value.length() && Character.isHighSurrogate(value.charAt(keep - 1))) {
            keep--; // never split a pair: half of one would print as garbage
        }
        StringBuilder out = null;
        for (int i = 0; i < keep; i++) {
            char c = value.charAt(i);
            String escape = escape(value, i, c);
            if (escape != null && out == null) {
                out = new StringBuilder(keep + 16).append(value, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        String kept = out == null ? value.substring(0, keep) : out.toString();
        return keep == value.length() ? kept : kept + "...(" + (value.length() - keep) + " more chars)";
    }

    private static String escape(String value, int i, char c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            case '\\':
                return "\\\\";
            case '"':
                return "\\\"";
            default:
                break;
        }
        if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == 0x2028 || c == 0x2029 || c == 0xfeff
                || c >= 0x200b && c <= 0x200f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069) {
            return String.format("\\u%04x", (int) c);
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1)) ? null
                    : String.format("\\u%04x", (int) c);
        }
        if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(value.charAt(i - 1)) ? null : String.format("\\u%04x", (int) c);
        }
        return null;
    }
}
