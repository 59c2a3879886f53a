package io.liminal.ltp.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The parser's word-at-a-time search against the obvious byte-by-byte loop. */
class SpecialByteScanProperties {

    @Property(tries = 5000)
    @Label("finds the same first quote, backslash or control byte as a byte-by-byte loop")
    void agreesWithByteLoop(@ForAll("bytes") byte[] bytes, @ForAll @IntRange(min = 0, max = 40) int from) {
        int start = Math.min(from, bytes.length);
        assertThat(TreeParser.nextSpecialByte(bytes, start, bytes.length)).isEqualTo(byteLoop(bytes, start));
    }

    private static int byteLoop(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            if (b == '"' || b == '\\' || b < 0x20) {
                return i;
            }
        }
        return bytes.length;
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        // Mostly plain text, with the bytes around each boundary the search tests: 0x00-0x21, 0x22, 0x23, 0x5B-0x5D,
        // 0x7F-0x81, 0xA2, 0xDC, 0xFF.
        Arbitrary<Byte> plain = Arbitraries.bytes().between((byte) 0x23, (byte) 0x7E);
        Arbitrary<Byte> edges = Arbitraries.of((byte) 0x00, (byte) 0x01, (byte) 0x1F, (byte) 0x20, (byte) 0x21,
                (byte) 0x22, (byte) 0x23, (byte) 0x5B, (byte) 0x5C, (byte) 0x5D, (byte) 0x7F, (byte) 0x80,
                (byte) 0x81, (byte) 0xA2, (byte) 0xDC, (byte) 0xFF);
        Arbitrary<Byte> any = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, plain), net.jqwik.api.Tuple.of(1, edges), net.jqwik.api.Tuple.of(1,
                        Arbitraries.bytes()));
        return any.array(byte[].class).ofMinSize(0).ofMaxSize(70);
    }
}
