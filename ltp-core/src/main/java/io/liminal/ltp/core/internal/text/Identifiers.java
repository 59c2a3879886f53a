package io.liminal.ltp.core.internal.text;

/**
 * Which peer-supplied identifiers (client ids, thread ids, delivery instances) a server keeps and looks up: only
 * strings that every store keeps exactly. A lone surrogate cannot be encoded as UTF-8 (a store writes {@code ?}
 * instead, so two ids become one), and control characters are refused by some databases (PostgreSQL text cannot
 * hold U+0000) or end a log line.
 */
public final class Identifiers {
    private Identifiers() {
    }

    /** Whether {@code id} has no lone surrogate and no control character (U+0000 to U+001F, U+007F to U+009F). */
    public static boolean isStorable(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= id.length() || !Character.isLowSurrogate(id.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The length of {@code text.getBytes(UTF_8)}, counted without encoding: a lone surrogate counts as the one
     * byte ('?') the encoder writes for it.
     */
    public static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
