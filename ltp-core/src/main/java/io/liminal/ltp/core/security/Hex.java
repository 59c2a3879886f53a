package io.liminal.ltp.core.security;

/** Lowercase hexadecimal. */
final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    static String encode(byte[] bytes, int length) {
        char[] out = new char[length * 2];
        for (int i = 0; i < length; i++) {
            out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = DIGITS[bytes[i] & 0xF];
        }
        return new String(out);
    }

    /** Writes {@code value} as 16 lowercase hex digits (ASCII bytes) at {@code offset}. */
    static void putLong(byte[] out, int offset, long value) {
        for (int i = 0; i < 16; i++) {
            out[offset + i] = (byte) DIGITS[(int) (value >>> (60 - 4 * i)) & 0xF];
        }
    }

    static boolean isHex(CharSequence text) {
        if (text.length() == 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }
}
