package io.liminal.ltp.core.internal.json;

/** UTF-8 length arithmetic without encoding. */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * The number of bytes {@code text} takes in UTF-8. A lone surrogate counts 3 bytes, as the escaped or
     * replaced form a sender would put on the wire is at least that long.
     */
    public static long length(CharSequence text) {
        int chars = text.length();
        long bytes = chars;
        for (int i = 0; i < chars; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < chars
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for 2 chars
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /**
     * Whether {@code text} takes more than {@code maxBytes} bytes in UTF-8; decides from the char count alone
     * whenever it can (a char never takes more than 3 bytes, and never fewer than 1).
     */
    public static boolean exceeds(CharSequence text, long maxBytes) {
        int chars = text.length();
        if ((long) chars * 3 <= maxBytes) {
            return false;
        }
        if (chars > maxBytes) {
            return true;
        }
        return length(text) > maxBytes;
    }
}
