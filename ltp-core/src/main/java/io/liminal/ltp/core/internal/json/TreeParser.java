package io.liminal.ltp.core.internal.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.internal.LazilyParsedNumber;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.internal.text.LogSafe;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Parses one message text into a Gson tree, checking the §10 limits on the way.
 *
 * <p>A strict RFC 8259 parser that reads the string directly: no comments, trailing commas, single quotes,
 * unquoted names, leading zeros, NaN or raw control characters in strings. It replaces Gson's {@code JsonReader}
 * on the hot path because most of a small message's decode time went into the reader's buffering and state
 * machine; the trees it builds are Gson's, numbers keep their text ({@link LazilyParsedNumber}).
 *
 * <p>Iterative, never recursive: nesting costs one array slot per level and stops at the hard cap
 * ({@link Limits#maxNestingDepth()}), so hostile input can neither overflow the stack nor make the parser work
 * through thousands of levels. Payload depth and string sizes are only recorded, not thrown, because the spec
 * checks them after the handshake state and the ids (§4 "Server check order"); {@link Parsed#limitViolation()}
 * reports them afterwards. Numbers that overflow a double ({@code 1e999}) are malformed.
 *
 * <p>Strings, most of a message's characters, are scanned eight at a time: the parser keeps the low byte of every
 * character in a scratch array and looks for a quote, a backslash or a control character in each 64-bit word at
 * once. A character above U+00FF can share its low byte with one of those; every byte found is therefore checked
 * against the character itself before it counts.
 */
public final class TreeParser {
    private static final JsonPrimitive TRUE = new JsonPrimitive(Boolean.TRUE);
    private static final JsonPrimitive FALSE = new JsonPrimitive(Boolean.FALSE);
    private static final String PAYLOAD = "payload";
    /** Longest plain (exponent-free) number that cannot overflow a double: 309 integer digits, sign, point. */
    private static final int MAX_SAFE_PLAIN_NUMBER = 309;

    /** Shared marker for a ping payload that was validated but not built (server-side decode only). */
    public static final JsonObject DISCARDED_PAYLOAD = new JsonObject();
    private static final ThreadLocal<TreeParser> PARSERS = ThreadLocal.withInitial(TreeParser::new);

    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    private static final long SPACES = 0x2020202020202020L;
    /** Scratch arrays up to this size stay with the pooled parser; larger messages get one of their own. */
    private static final int RETAINED_SCRATCH_BYTES = 64 * 1024;

    private String text;
    private int length;
    private Limits limits;
    private int stringCharsAlwaysFine;
    private boolean discardPingPayload;
    private String likely1;
    private String likely2;
    private int pos;
    /** The low byte of each character of {@code text} (see the class comment); pooled up to a size. */
    private byte[] scratch = new byte[512];
    /** The array holding this message's low bytes: {@link #scratch} or a larger one of its own. */
    private byte[] lowBytes;
    /** The deepest slot of the parse state used by this message (for {@link #release()}). */
    private int deepestUsed;

    // The top-level members, flat: most messages are read once and never need a map of their own.
    private String[] topNames = new String[12];
    private JsonElement[] topValues = new JsonElement[12];
    private int topCount;

    // Parse state, one slot per nesting level (index 0 = the root object).
    private JsonElement[] containers = new JsonElement[8];
    private boolean[] isObject = new boolean[8];
    private boolean[] hasMembers = new boolean[8];
    private String[] names = new String[8];
    private int[] indexes = new int[8];
    private boolean inPayload;
    private int maxPayloadDepthSeen;
    private String oversizedStringPath;
    private long oversizedStringBytes;
    private long oversizedPayloadDataBytes;

    private TreeParser() {
    }

    /**
     * Parses {@code text}, which must be one JSON object.
     *
     * @throws LtpProtocolException {@code MALFORMED_MESSAGE} for anything that is not one strict JSON object,
     *     {@code MESSAGE_TOO_LARGE} when nesting passes the hard cap
     */
    public static Parsed parse(String text, Limits limits) {
        return parse(text, limits, false);
    }

    /**
     * Parses {@code text}; with {@code discardPingPayload}, the {@code payload} of a message whose {@code type}
     * {@code "ping"} comes before it is checked but not built, and reads as {@link #DISCARDED_PAYLOAD}.
     * A server needs nothing from a ping's payload; only messages too small for any string to break the string
     * limit are treated so, so no check is skipped.
     */
    public static Parsed parse(String text, Limits limits, boolean discardPingPayload) {
        return parse(text, limits, discardPingPayload, null, null);
    }

    /**
     * Parses {@code text}; string values equal to {@code likely1} or {@code likely2} (each may be {@code null}) are
     * returned as those very objects instead of new copies.
     */
    public static Parsed parse(String text, Limits limits, boolean discardPingPayload, String likely1,
            String likely2) {
        TreeParser parser = PARSERS.get();
        parser.reset(text, limits, discardPingPayload);
        parser.likely1 = likely1;
        parser.likely2 = likely2;
        try {
            return parser.run();
        } finally {
            parser.release();
        }
    }

    /**
     * Validates the JSON object at {@code from} as a discarded ping payload (nesting level 1, the grammar and depth
     * limits of {@link #parse}) and returns the offset after it, or -1 when it is not one valid object within the
     * payload depth limit; the general parse then reports why. Only for texts in which no string can break the
     * string limit ({@code text.length() <= limits.maxStringBytes() / 3}).
     */
    public static int skipPayloadObject(String text, int from, Limits limits) {
        TreeParser parser = PARSERS.get();
        parser.reset(text, limits, true);
        try {
            if (from >= parser.length || text.charAt(from) != '{') {
                return -1;
            }
            parser.pos = from;
            parser.enter(1, PAYLOAD);
            parser.skipContainer(1);
            return parser.maxPayloadDepthSeen > limits.maxPayloadDepth() ? -1 : parser.pos;
        } catch (LtpProtocolException e) {
            return -1;
        } finally {
            parser.release();
        }
    }

    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low bytes, copied without a charset
    private void reset(String newText, Limits newLimits, boolean discard) {
        text = newText;
        length = newText.length();
        byte[] low = scratch;
        if (low.length < length) {
            low = new byte[Math.max(length, Math.min(2 * low.length, RETAINED_SCRATCH_BYTES))];
            if (low.length <= RETAINED_SCRATCH_BYTES) {
                scratch = low;
            }
        }
        newText.getBytes(0, length, low, 0);
        lowBytes = low;
        deepestUsed = 0;
        limits = newLimits;
        stringCharsAlwaysFine = newLimits.maxStringBytes() / 3;
        discardPingPayload = discard && length <= stringCharsAlwaysFine;
        pos = 0;
        topCount = 0;
        inPayload = false;
        maxPayloadDepthSeen = 0;
        oversizedStringPath = null;
        oversizedStringBytes = 0;
        oversizedPayloadDataBytes = 0;
    }

    /** Drops references so a pooled parser keeps no message alive. */
    private void release() {
        text = null;
        lowBytes = null;
        likely1 = null;
        likely2 = null;
        Arrays.fill(containers, 0, deepestUsed + 1, null);
        Arrays.fill(names, 0, deepestUsed + 1, null);
        Arrays.fill(topNames, 0, topCount, null);
        Arrays.fill(topValues, 0, topCount, null);
    }

    private Parsed run() {
        skipWhitespace();
        if (pos >= length) {
            throw malformed("Message must be a JSON object but was empty", null);
        }
        if (text.charAt(pos) != '{') {
            throw malformed("Message must be a JSON object but was " + describeAt(pos), null);
        }
        readDocument();
        skipWhitespace();
        if (pos < length) {
            throw syntax("Unexpected data after the JSON object");
        }
        return new Parsed(Arrays.copyOf(topNames, topCount), Arrays.copyOf(topValues, topCount), limitViolation(),
                oversizedPayloadDataBytes);
    }

    private void readDocument() {
        pos++; // '{'
        containers[0] = null; // the top level goes to topNames/topValues
        isObject[0] = true;
        hasMembers[0] = false;
        int depth = 0;
        while (true) {
            skipWhitespace();
            if (pos >= length) {
                throw syntax("Unexpected end of input");
            }
            char c = text.charAt(pos);
            JsonElement current = containers[depth];
            boolean object = isObject[depth];
            if (c == (object ? '}' : ']')) {
                pos++;
                if (depth == 0) {
                    return;
                }
                if (depth == 1) {
                    inPayload = false;
                }
                containers[depth] = null;
                depth--;
                continue;
            }
            if (hasMembers[depth]) {
                if (c != ',') {
                    throw syntax("Expected ',' or '" + (object ? '}' : ']') + "'");
                }
                pos++;
                skipWhitespace();
            }
            hasMembers[depth] = true;
            String name = null;
            int index = -1;
            if (object) {
                if (pos >= length || text.charAt(pos) != '"') {
                    throw syntax("Expected a member name");
                }
                name = readString();
                if (name.length() > stringCharsAlwaysFine) {
                    checkString(name, depth, name, -1, true);
                }
                skipWhitespace();
                if (pos >= length || text.charAt(pos) != ':') {
                    throw syntax("Expected ':'");
                }
                pos++;
                skipWhitespace();
            } else {
                index = depth == 0 ? topCount : ((JsonArray) current).size();
            }
            if (pos >= length) {
                throw syntax("Unexpected end of input");
            }
            c = text.charAt(pos);
            switch (c) {
                case '{', '[' -> {
                    int childDepth = depth + 1;
                    enter(childDepth, depth == 0 ? name : null);
                    if (depth == 0 && c == '{' && discardPingPayload && "payload".equals(name) && typeIsPing()) {
                        skipContainer(childDepth);
                        inPayload = false;
                        addTop(name, DISCARDED_PAYLOAD);
                        continue;
                    }
                    pos++;
                    JsonElement child = c == '{' ? new JsonObject() : new JsonArray();
                    add(depth, current, name, child);
                    containers[childDepth] = child;
                    isObject[childDepth] = c == '{';
                    hasMembers[childDepth] = false;
                    names[childDepth] = name;
                    indexes[childDepth] = index;
                    depth = childDepth;
                }
                case '"' -> {
                    String value = readString();
                    if (value.length() > stringCharsAlwaysFine) {
                        checkString(value, depth, name, index, false);
                    }
                    add(depth, current, name, new JsonPrimitive(value));
                }
                case 't' -> add(depth, current, name, literal("true", TRUE));
                case 'f' -> add(depth, current, name, literal("false", FALSE));
                case 'n' -> add(depth, current, name, literal("null", JsonNull.INSTANCE));
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        add(depth, current, name, new JsonPrimitive(new LazilyParsedNumber(readNumber())));
                    } else {
                        throw syntax("Unexpected character " + describe(c));
                    }
                }
            }
        }
    }

    /**
     * Validates the object or array whose opening bracket is at {@code pos} without building it, by the same
     * grammar and limits as {@link #readDocument()}; leaves {@code pos} after its closing bracket. The container is
     * at nesting level {@code baseDepth}, which the caller has {@link #enter entered}. Only used where no string can
     * break the string limit, so strings are validated, not measured.
     */
    private void skipContainer(int baseDepth) {
        int depth = baseDepth;
        isObject[depth] = text.charAt(pos) == '{';
        hasMembers[depth] = false;
        pos++;
        while (true) {
            skipWhitespace();
            if (pos >= length) {
                throw syntax("Unexpected end of input");
            }
            char c = text.charAt(pos);
            boolean object = isObject[depth];
            if (c == (object ? '}' : ']')) {
                pos++;
                if (depth == baseDepth) {
                    return;
                }
                depth--;
                continue;
            }
            if (hasMembers[depth]) {
                if (c != ',') {
                    throw syntax("Expected ',' or '" + (object ? '}' : ']') + "'");
                }
                pos++;
                skipWhitespace();
            }
            hasMembers[depth] = true;
            if (object) {
                if (pos >= length || text.charAt(pos) != '"') {
                    throw syntax("Expected a member name");
                }
                skipString();
                skipWhitespace();
                if (pos >= length || text.charAt(pos) != ':') {
                    throw syntax("Expected ':'");
                }
                pos++;
                skipWhitespace();
            }
            if (pos >= length) {
                throw syntax("Unexpected end of input");
            }
            c = text.charAt(pos);
            switch (c) {
                case '{', '[' -> {
                    depth++;
                    enter(depth, null);
                    isObject[depth] = c == '{';
                    hasMembers[depth] = false;
                    pos++;
                }
                case '"' -> skipString();
                case 't' -> literal("true", TRUE);
                case 'f' -> literal("false", FALSE);
                case 'n' -> literal("null", JsonNull.INSTANCE);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        readNumber();
                    } else {
                        throw syntax("Unexpected character " + describe(c));
                    }
                }
            }
        }
    }

    // ---- Tokens -------------------------------------------------------------------------------------------------

    // The scanning loops work on locals: the JIT keeps them in registers, where fields would be re-read per character.

    private void skipWhitespace() {
        String s = text;
        int p = pos;
        int end = length;
        while (p < end) {
            char c = s.charAt(p);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            p++;
        }
        pos = p;
    }

    /** Validates a string without building it (only used where no string can break the limit). */
    private void skipString() {
        int start = pos + 1;
        int end = scanString(start);
        if (text.charAt(end) == '"') {
            pos = end + 1;
        } else {
            pos = end;
            readEscapedString(start); // validates the escapes; the text is dropped
        }
    }

    /**
     * The offset of the first {@code '"'} or {@code '\\'} from {@code start} on.
     *
     * @throws LtpProtocolException for a raw control character or the end of the text before either
     */
    private int scanString(int start) {
        int special = nextSpecialChar(start);
        if (special >= length) {
            pos = length;
            throw syntax("Unterminated string");
        }
        if (text.charAt(special) < 0x20) {
            pos = special;
            throw syntax("Unescaped control character in a string");
        }
        return special;
    }

    /** The offset of the first quote, backslash or control character from {@code start} on, or the length. */
    private int nextSpecialChar(int start) {
        String s = text;
        byte[] low = lowBytes;
        int end = length;
        int p = start;
        while (true) {
            int candidate = nextSpecialByte(low, p, end);
            if (candidate >= end) {
                return end;
            }
            char c = s.charAt(candidate);
            if (c == '"' || c == '\\' || c < 0x20) {
                return candidate;
            }
            p = candidate + 1; // a character above U+00FF whose low byte looked special
        }
    }

    /**
     * The offset of the first byte in {@code low[from, end)} that is a quote, a backslash or below 0x20, or
     * {@code end}. Eight bytes per step: in each of the three tests below, the lowest flagged byte of a word is
     * exact (a false flag can only follow a true one, through the subtraction's borrow), so the lowest flag of
     * their union is the first such byte.
     */
    public static int nextSpecialByte(byte[] low, int from, int end) {
        int p = from;
        for (; p + Long.BYTES <= end; p += Long.BYTES) {
            long word = (long) WORDS.get(low, p);
            long quotes = word ^ QUOTES;
            long backslashes = word ^ BACKSLASHES;
            long found = ((quotes - ONES) & ~quotes | (backslashes - ONES) & ~backslashes | (word - SPACES) & ~word)
                    & HIGH_BITS;
            if (found != 0) {
                return p + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; p < end; p++) {
            byte b = low[p];
            if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
                return p;
            }
        }
        return end;
    }

    /** Whether a top-level {@code "type":"ping"} was read already. */
    private boolean typeIsPing() {
        for (int i = topCount - 1; i >= 0; i--) {
            if ("type".equals(topNames[i])) {
                JsonElement type = topValues[i];
                return type instanceof JsonPrimitive p && p.isString() && "ping".equals(p.getAsString());
            }
        }
        return false;
    }

    /** Reads a string starting at the opening quote; leaves {@code pos} after the closing quote. */
    private String readString() {
        int start = pos + 1;
        int end = scanString(start);
        pos = end;
        if (text.charAt(end) == '\\') {
            return readEscapedString(start);
        }
        pos = end + 1;
        return existing(start, end - start);
    }

    /** The text's {@code [start, start + count)} as a string, shared where an equal one is known. */
    private String existing(int start, int count) {
        String known = KnownStrings.find(text, start, count);
        if (known != null) {
            return known;
        }
        if (likely1 != null && likely1.length() == count && KnownStrings.regionEquals(text, start, likely1)) {
            return likely1;
        }
        if (likely2 != null && likely2.length() == count && KnownStrings.regionEquals(text, start, likely2)) {
            return likely2;
        }
        return text.substring(start, start + count);
    }

    private String readEscapedString(int start) {
        StringBuilder out = new StringBuilder(pos - start + 16).append(text, start, pos);
        while (pos < length) {
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return out.toString();
            }
            if (c < 0x20) {
                throw syntax("Unescaped control character in a string");
            }
            if (c != '\\') {
                int run = nextSpecialChar(pos); // plain text up to the next escape, quote or control character
                out.append(text, pos, run);
                pos = run;
                continue;
            }
            if (pos + 1 >= length) {
                throw syntax("Unterminated escape sequence");
            }
            char escaped = text.charAt(pos + 1);
            pos += 2;
            switch (escaped) {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (pos + 4 > length) {
                        throw syntax("Unterminated \\u escape");
                    }
                    int value = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = Character.digit(text.charAt(pos + i), 16);
                        if (digit < 0) {
                            throw syntax("Invalid \\u escape");
                        }
                        value = value * 16 + digit;
                    }
                    pos += 4;
                    out.append((char) value);
                }
                default -> {
                    pos -= 2;
                    throw syntax("Invalid escape sequence \\" + escaped);
                }
            }
        }
        throw syntax("Unterminated string");
    }

    /** Reads a number by the RFC 8259 grammar; rejects leading zeros and values that overflow a double. */
    private String readNumber() {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= length) {
            throw syntax("Unterminated number");
        }
        char c = text.charAt(pos);
        if (c == '0') {
            pos++;
            if (pos < length && isDigit(text.charAt(pos))) {
                throw syntax("Leading zeros are not allowed");
            }
        } else if (isDigit(c)) {
            skipDigits();
        } else {
            throw syntax("Invalid number");
        }
        boolean exponent = false;
        if (pos < length && text.charAt(pos) == '.') {
            pos++;
            if (pos >= length || !isDigit(text.charAt(pos))) {
                throw syntax("Expected digits after the decimal point");
            }
            skipDigits();
        }
        if (pos < length && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            exponent = true;
            pos++;
            if (pos < length && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= length || !isDigit(text.charAt(pos))) {
                throw syntax("Expected digits in the exponent");
            }
            skipDigits();
        }
        String number = text.substring(start, pos);
        // Without an exponent, only more than 309 integer digits overflow a double; skip the parse otherwise.
        if ((exponent || number.length() > MAX_SAFE_PLAIN_NUMBER) && Double.isInfinite(Double.parseDouble(number))) {
            throw malformed("Number out of range: " + abbreviate(number), null);
        }
        return number;
    }

    private void skipDigits() {
        while (pos < length && isDigit(text.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private JsonElement literal(String word, JsonElement value) {
        if (!text.startsWith(word, pos)) {
            throw syntax("Invalid literal " + describeAt(pos) + " (expected " + word + ")");
        }
        pos += word.length();
        return value;
    }

    // ---- Limits and structure -------------------------------------------------------------------------------------

    private void enter(int childDepth, String topLevelName) {
        if (childDepth == 1) {
            inPayload = PAYLOAD.equals(topLevelName);
        }
        if (childDepth > limits.maxNestingDepth()) {
            if (inPayload) {
                throw new LtpProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                        "Payload nesting exceeds " + limits.maxNestingDepth() + " levels (limit "
                                + limits.maxPayloadDepth() + ")",
                        LtpProtocolException.newDetails().put("limit", "payload_depth").put("depth", childDepth)
                                .put("max_depth", limits.maxPayloadDepth()).build());
            }
            throw new LtpProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "Message nesting exceeds " + limits.maxNestingDepth() + " levels",
                    LtpProtocolException.newDetails().put("limit", "nesting_depth").put("depth", childDepth)
                            .put("max_depth", limits.maxNestingDepth()).build());
        }
        if (childDepth > deepestUsed) {
            deepestUsed = childDepth;
        }
        if (inPayload && childDepth > maxPayloadDepthSeen) {
            maxPayloadDepthSeen = childDepth;
        }
        if (childDepth >= containers.length) {
            int size = Math.min(containers.length * 2, limits.maxNestingDepth() + 1);
            containers = Arrays.copyOf(containers, size);
            isObject = Arrays.copyOf(isObject, size);
            hasMembers = Arrays.copyOf(hasMembers, size);
            names = Arrays.copyOf(names, size);
            indexes = Arrays.copyOf(indexes, size);
        }
    }

    private void add(int depth, JsonElement container, String name, JsonElement value) {
        if (depth == 0) {
            addTop(name, value);
        } else if (name != null) {
            ((JsonObject) container).add(name, value);
        } else {
            ((JsonArray) container).add(value);
        }
    }

    private void addTop(String name, JsonElement value) {
        if (topCount == topNames.length) {
            topNames = Arrays.copyOf(topNames, topCount * 2);
            topValues = Arrays.copyOf(topValues, topCount * 2);
        }
        topNames[topCount] = name;
        topValues[topCount++] = value;
    }

    private void checkString(String value, int depth, String name, int index, boolean isKey) {
        if (!Utf8.exceeds(value, limits.maxStringBytes())) {
            return;
        }
        long bytes = Utf8.length(value);
        // payload.data may be a TOON string, which is exempt; the decoder decides once it knows the
        // content_encoding, which may come later in the text.
        if (!isKey && depth == 1 && inPayload && "data".equals(name)) {
            oversizedPayloadDataBytes = bytes;
            return;
        }
        if (oversizedStringPath == null) {
            oversizedStringPath = path(depth, name, index);
            oversizedStringBytes = bytes;
        }
    }

    private String path(int depth, String name, int index) {
        StringBuilder path = new StringBuilder();
        for (int level = 1; level <= depth; level++) {
            appendSegment(path, names[level], indexes[level]);
        }
        appendSegment(path, name, index);
        return path.toString();
    }

    private static void appendSegment(StringBuilder path, String name, int index) {
        if (name != null) {
            if (path.length() > 0) {
                path.append('.');
            }
            path.append(name);
        } else {
            path.append('[').append(index).append(']');
        }
    }

    private LtpProtocolException limitViolation() {
        if (maxPayloadDepthSeen > limits.maxPayloadDepth()) {
            return new LtpProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "Payload depth " + maxPayloadDepthSeen + " exceeds the limit of " + limits.maxPayloadDepth(),
                    LtpProtocolException.newDetails().put("limit", "payload_depth").put("depth", maxPayloadDepthSeen)
                            .put("max_depth", limits.maxPayloadDepth()).build());
        }
        if (oversizedStringPath != null) {
            return stringTooLong(oversizedStringPath, oversizedStringBytes, limits.maxStringBytes());
        }
        return null;
    }

    /** The {@code MESSAGE_TOO_LARGE} error for one oversized string, in the spec's §10 shape. */
    public static LtpProtocolException stringTooLong(String field, long bytes, int maxBytes) {
        return new LtpProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                "String at " + LogSafe.text(field) + " is " + bytes + " bytes, over the limit of " + maxBytes,
                LtpProtocolException.newDetails().put("limit", "string_length").put("field", LogSafe.text(field))
                        .put("size_bytes", bytes).put("max_bytes", maxBytes).build());
    }

    // ---- Errors ---------------------------------------------------------------------------------------------------

    private LtpProtocolException syntax(String problem) {
        return malformed("Invalid JSON or message structure", problem + " at offset " + pos);
    }

    private static LtpProtocolException malformed(String message, String parserText) {
        LtpProtocolException.Details details = LtpProtocolException.newDetails();
        if (parserText != null) {
            details.put("error", parserText);
        }
        return new LtpProtocolException(ErrorCode.MALFORMED_MESSAGE, message, details.build());
    }

    /**
     * What the text at {@code at} is, for an error message: a literal only when it is one ({@code "tru"} is not a
     * boolean, {@code "nonsense"} is not null), quoted and cut short otherwise.
     */
    private String describeAt(int at) {
        char c = text.charAt(at);
        if (c == 't' || c == 'f' || c == 'n') {
            for (String word : new String[] {"true", "false", "null"}) {
                if (text.startsWith(word, at)
                        && (at + word.length() == length || !Character.isLetterOrDigit(text.charAt(at + word.length())))) {
                    return word.equals("null") ? "null" : "a boolean";
                }
            }
            int end = at;
            while (end < length && end - at < 20 && Character.isLetterOrDigit(text.charAt(end))) {
                end++;
            }
            return "'" + LogSafe.text(text.substring(at, end), 16) + "'";
        }
        return describe(c);
    }

    private static String describe(char c) {
        return switch (c) {
            case '[' -> "an array";
            case '"' -> "a string";
            case 't', 'f' -> "a boolean";
            case 'n' -> "null";
            default -> (c == '-' || (c >= '0' && c <= '9')) ? "a number"
                    : c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    /**
     * The parsed message's top-level members (in order, duplicates included) and what the limit checks found.
     *
     * @param names member names
     * @param values member values (trees owned by the caller)
     * @param limitViolation the first payload-depth or string-size violation, or {@code null}
     * @param oversizedPayloadDataBytes size of {@code payload.data} when it is a string over the string limit
     *     (a violation unless the message is TOON-encoded), else 0
     */
    public record Parsed(String[] names, JsonElement[] values, LtpProtocolException limitViolation,
            long oversizedPayloadDataBytes) {

        /** How many top-level members there are. */
        public int size() {
            return names.length;
        }

        /** The value of the last member named {@code name} (JSON's last-one-wins), or {@code null}. */
        public JsonElement get(String name) {
            for (int i = names.length - 1; i >= 0; i--) {
                if (names[i].equals(name)) {
                    return values[i];
                }
            }
            return null;
        }

        /** The members as a JSON object (tests, diagnostics). */
        public JsonObject toJsonObject() {
            JsonObject object = new JsonObject();
            for (int i = 0; i < names.length; i++) {
                object.add(names[i], values[i]);
            }
            return object;
        }
    }
}
