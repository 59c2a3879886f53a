package io.liminal.ltp.core.internal.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.internal.LazilyParsedNumber;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * Writes JSON text into a {@link StringBuilder}: minified, members in their order, no HTML escaping.
 *
 * <p>Strings are escaped the way §11.3 prescribes (so the same routine serves canonical JSON): {@code "} and
 * {@code \}, the short escapes for {@code \b \f \n \r \t}, {@code &#92;u00xx} for other control characters, and
 * {@code &#92;udxxx} for lone surrogates, which would otherwise be lost when the text is encoded as UTF-8.
 */
public final class JsonText {
    /** Recursion guard for trees built by applications; decoded trees are bounded by the limits long before. */
    static final int MAX_WRITE_DEPTH = 512;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {
    }

    /** Appends {@code value} as a JSON string literal. */
    public static void string(StringBuilder out, String value) {
        int length = value.length();
        int start = 0;
        out.append('"');
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++; // a valid pair stays literal
                continue;
            }
            out.append(value, start, i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF])
                        .append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
            }
            start = i + 1;
        }
        out.append(value, start, length).append('"');
    }

    /** Appends any JSON value, objects with their members in order. */
    public static void value(StringBuilder out, JsonElement value) {
        value(out, value, 0);
    }

    private static void value(StringBuilder out, JsonElement value, int depth) {
        if (value == null || value.isJsonNull()) {
            out.append("null");
        } else if (value instanceof JsonPrimitive primitive) {
            primitive(out, primitive);
        } else {
            if (depth >= MAX_WRITE_DEPTH) {
                throw new IllegalArgumentException("JSON nesting deeper than " + MAX_WRITE_DEPTH + " cannot be encoded");
            }
            if (value instanceof JsonObject object) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonElement> member : object.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, member.getKey());
                    out.append(':');
                    value(out, member.getValue(), depth + 1);
                }
                out.append('}');
            } else {
                JsonArray array = (JsonArray) value;
                out.append('[');
                for (int i = 0, n = array.size(); i < n; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    value(out, array.get(i), depth + 1);
                }
                out.append(']');
            }
        }
    }

    private static void primitive(StringBuilder out, JsonPrimitive primitive) {
        if (primitive.isString()) {
            string(out, primitive.getAsString());
        } else if (primitive.isBoolean()) {
            out.append(primitive.getAsBoolean());
        } else {
            number(out, primitive.getAsNumber());
        }
    }

    /** Appends a number; decoded numbers keep their original text. */
    public static void number(StringBuilder out, Number number) {
        if (number instanceof LazilyParsedNumber || number instanceof Integer || number instanceof Long
                || number instanceof Short || number instanceof Byte || number instanceof BigInteger) {
            out.append(number);
        } else if (number instanceof BigDecimal decimal) {
            out.append(decimal.toString());
        } else {
            double value = number.doubleValue();
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("JSON cannot represent the number " + value);
            }
            out.append(EcmaNumbers.format(value));
        }
    }

    /**
     * Whether {@code text} is 1 to 18 ASCII decimal digits: a non-negative integer that {@link Long#parseLong}
     * reads without overflow.
     */
    public static boolean isLongDigits(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The number of decimal digits of the non-negative {@code value} (1 for 0). */
    public static int decimalDigits(long value) {
        int digits = 1;
        for (long bound = 10; digits < 19 && value >= bound; bound *= 10) {
            digits++;
        }
        return digits;
    }

    /**
     * Writes the non-negative {@code value} as ASCII decimal digits at {@code offset}, filling exactly
     * {@link #decimalDigits(long) decimalDigits(value)} bytes; for frames assembled as bytes on hot paths.
     */
    public static void putDecimal(byte[] out, int offset, long value) {
        putDecimal(out, offset, value, decimalDigits(value));
    }

    /** {@link #putDecimal(byte[], int, long)} for a caller that already knows {@code digits}. */
    public static void putDecimal(byte[] out, int offset, long value, int digits) {
        long rest = value;
        for (int i = offset + digits - 1; i >= offset; i--) {
            out[i] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
    }
}
