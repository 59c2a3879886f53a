package io.liminal.ltp.core.security;

import io.liminal.ltp.core.internal.json.JsonText;

/**
 * The shape of a received nonce (spec §11.4), parsed from the right so that client ids containing {@code '-'}
 * stay intact.
 *
 * @param kind which upstream shape it has
 * @param clientId the client id of a legacy nonce, else {@code null}
 * @param epochMs the time part in epoch milliseconds, or -1 when the shape has none
 * @param randomPart the random part of a legacy nonce or the digest of a keyed one, else {@code null}
 */
public record NonceFormat(Kind kind, String clientId, long epochMs, String randomPart) {

    /** Nonce shapes. */
    public enum Kind {
        /** {@code <client_id>-<epoch_ms>-<random hex>}. */
        LEGACY,
        /** {@code hmac-<h>-<epoch_ms>}. */
        KEYED,
        /** Anything else: only its uniqueness is checked. */
        OPAQUE
    }

    /** Legacy nonces whose random part is shorter than this are refused by verifiers. */
    public static final int MIN_LEGACY_RANDOM_HEX_DIGITS = 8;

    /** Parses a nonce; never fails (unknown shapes are {@link Kind#OPAQUE}). */
    public static NonceFormat parse(String nonce) {
        int last = nonce.lastIndexOf('-');
        if (last <= 0 || last == nonce.length() - 1) {
            return opaque();
        }
        String lastPart = nonce.substring(last + 1);
        if (nonce.startsWith("hmac-")) {
            int first = "hmac-".length() - 1;
            if (last > first + 1 && JsonText.isLongDigits(lastPart)) {
                String digest = nonce.substring(first + 1, last);
                if (Hex.isHex(digest)) {
                    return new NonceFormat(Kind.KEYED, null, Long.parseLong(lastPart), digest);
                }
            }
            return opaque();
        }
        int beforeLast = nonce.lastIndexOf('-', last - 1);
        if (beforeLast <= 0) {
            return opaque();
        }
        String timePart = nonce.substring(beforeLast + 1, last);
        if (!JsonText.isLongDigits(timePart) || !Hex.isHex(lastPart)) {
            return opaque();
        }
        return new NonceFormat(Kind.LEGACY, nonce.substring(0, beforeLast), Long.parseLong(timePart), lastPart);
    }

    private static NonceFormat opaque() {
        return new NonceFormat(Kind.OPAQUE, null, -1, null);
    }
}
