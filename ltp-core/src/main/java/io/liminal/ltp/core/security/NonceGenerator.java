package io.liminal.ltp.core.security;

import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.internal.security.SecureBytes;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;

/**
 * Makes envelope nonces (spec §11.1, §11.4): unique within a session, each with at least 64 bits from a CSPRNG
 * (LTP-SEC-001, A-18). Thread-safe.
 *
 * <ul>
 *   <li>{@link #legacy(String, Clock)}: {@code <prefix>-<epoch_ms>-<16 hex digits>}, the reference shape
 *       (clients use their client id as prefix, servers {@code "server"}).</li>
 *   <li>{@link #legacy(String, Clock, int)} with 16 bytes: 128 random bits (32 hex digits), as the signing
 *       extension asks.</li>
 *   <li>{@link #keyed(String, Clock)}: {@code hmac-<h>-<epoch_ms>} with {@code h} the first 32 hex digits of
 *       HMAC-SHA256(secret, {@code "<epoch_ms>-<32 random hex>"}); what senders holding a key should use.</li>
 * </ul>
 */
public final class NonceGenerator {
    /** Random bytes in a base nonce: 64 bits. */
    public static final int BASE_RANDOM_BYTES = 8;
    /** Random bytes when the signing extension is on: 128 bits. */
    public static final int EXTENSION_RANDOM_BYTES = 16;
    /** Where the common nonce is assembled before it becomes a string (grown on demand). */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[96]);

    private final String prefix;
    private final Clock clock;
    private final int randomBytes;
    private final HmacSha256 keyed;
    /** {@code "<prefix>-"} in ISO-8859-1 when the fast path applies (see {@link #next()}), else {@code null}. */
    private final byte[] prefixDash;
    /** The bytes before the random digits, for the millisecond they were made in (racy by design: any is right). */
    private volatile Head head;

    private NonceGenerator(String prefix, Clock clock, int randomBytes, HmacSha256 keyed) {
        this.prefix = prefix;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.randomBytes = randomBytes;
        this.keyed = keyed;
        this.prefixDash = keyed == null && randomBytes % Long.BYTES == 0 ? latin1(prefix + '-') : null;
    }

    /** The text's ISO-8859-1 bytes, or {@code null} when a character does not fit in one byte. */
    private static byte[] latin1(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return new String(bytes, StandardCharsets.ISO_8859_1).equals(text) ? bytes : null;
    }

    /** {@code <prefix>-<epoch_ms>-<64 random bits as hex>}. */
    public static NonceGenerator legacy(String prefix, Clock clock) {
        return legacy(prefix, clock, BASE_RANDOM_BYTES);
    }

    /** {@code <prefix>-<epoch_ms>-<random hex>} with {@code randomBytes} (at least 8) random bytes. */
    public static NonceGenerator legacy(String prefix, Clock clock, int randomBytes) {
        Objects.requireNonNull(prefix, "prefix");
        if (randomBytes < BASE_RANDOM_BYTES) {
            throw new IllegalArgumentException("randomBytes must be at least 8 (64 bits) but was " + randomBytes);
        }
        return new NonceGenerator(prefix, clock, randomBytes, null);
    }

    /** {@code hmac-<h>-<epoch_ms>} keyed with the shared secret (UTF-8 bytes of the string). */
    public static NonceGenerator keyed(String secret, Clock clock) {
        return new NonceGenerator(null, clock, EXTENSION_RANDOM_BYTES,
                new HmacSha256(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8)));
    }

    /** A fresh nonce, stamped with the generator's clock. */
    public String next() {
        return next(clock.millis());
    }

    /**
     * A fresh nonce stamped with {@code epochMs}, for a caller that has just read the clock for the same message (a
     * pong's timestamp and its nonce then agree, and the clock is read once).
     */
    public String next(long epochMs) {
        if (prefixDash != null && epochMs >= 0) {
            // The common case (a server answers every ping with one): "prefix-ms-" is assembled once per
            // millisecond, by hand: a string concatenation there runs too rarely for the JIT to compile its
            // method handles and cost more than the rest of the nonce. The random digits are written after it in a
            // per-thread scratch array, so the string's own array is the only allocation.
            Head current = head;
            if (current == null || current.millis != epochMs) {
                current = new Head(epochMs, prefixDash);
                head = current;
            }
            int length = current.bytes.length + 2 * randomBytes;
            byte[] scratch = SCRATCH.get();
            if (scratch.length < length) {
                scratch = new byte[length];
                SCRATCH.set(scratch);
            }
            System.arraycopy(current.bytes, 0, scratch, 0, current.bytes.length);
            for (int i = 0; i < randomBytes; i += Long.BYTES) {
                Hex.putLong(scratch, current.bytes.length + 2 * i, SecureBytes.nextLong());
            }
            return new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
        }
        byte[] random = new byte[randomBytes];
        SecureBytes.next(random, 0, randomBytes);
        String randomHex = Hex.encode(random, randomBytes);
        if (keyed != null) {
            String digest = keyed.hex(epochMs + "-" + randomHex);
            return "hmac-" + digest.substring(0, 32) + "-" + epochMs;
        }
        return prefix + '-' + epochMs + '-' + randomHex;
    }

    /** {@code "<prefix>-<epoch_ms>-"} in ISO-8859-1 for one millisecond. */
    private static final class Head {
        final long millis;
        final byte[] bytes;

        Head(long millis, byte[] prefixDash) {
            this.millis = millis;
            bytes = new byte[prefixDash.length + JsonText.decimalDigits(millis) + 1];
            System.arraycopy(prefixDash, 0, bytes, 0, prefixDash.length);
            JsonText.putDecimal(bytes, prefixDash.length, millis);
            bytes[bytes.length - 1] = '-';
        }
    }
}
