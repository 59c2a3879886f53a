package io.liminal.ltp.core.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 with one key, usable from any thread (one {@link Mac} per thread). */
final class HmacSha256 {
    private static final String ALGORITHM = "HmacSHA256";

    private final ThreadLocal<Mac> macs;

    HmacSha256(byte[] key) {
        if (key.length == 0) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        SecretKeySpec spec = new SecretKeySpec(key, ALGORITHM);
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance(ALGORITHM);
                mac.init(spec);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        });
    }

    byte[] digest(String text) {
        Mac mac = macs.get();
        mac.reset();
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    String hex(String text) {
        byte[] digest = digest(text);
        return Hex.encode(digest, digest.length);
    }
}
