package io.liminal.ltp.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the server's TLS certificate and key come from, for {@code wss://} (production must use it, §1).
 * Either PEM files (a certificate chain and a PKCS#8 private key) or a PKCS#12/JKS key store.
 */
public final class TlsConfig {
    private final Path certificateChain;
    private final Path privateKey;
    private final String keyPassword;
    private final Path keyStore;
    private final char[] keyStorePassword;
    private final String keyStoreType;

    private TlsConfig(Path certificateChain, Path privateKey, String keyPassword, Path keyStore,
            char[] keyStorePassword, String keyStoreType) {
        this.certificateChain = certificateChain;
        this.privateKey = privateKey;
        this.keyPassword = keyPassword;
        this.keyStore = keyStore;
        this.keyStorePassword = keyStorePassword;
        this.keyStoreType = keyStoreType;
    }

    /**
     * PEM files: the certificate chain (leaf first) and an unencrypted PKCS#8 private key.
     *
     * @throws IllegalArgumentException when a file is missing
     */
    public static TlsConfig pem(Path certificateChain, Path privateKey) {
        return pem(certificateChain, privateKey, null);
    }

    /** PEM files with an encrypted PKCS#8 private key. */
    public static TlsConfig pem(Path certificateChain, Path privateKey, String keyPassword) {
        return new TlsConfig(readable("certificateChain", certificateChain), readable("privateKey", privateKey),
                keyPassword, null, null, null);
    }

    /**
     * A key store holding the private key and its certificate chain.
     *
     * @param type {@code "PKCS12"} or {@code "JKS"}
     */
    public static TlsConfig keyStore(Path keyStore, char[] password, String type) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(type, "type");
        return new TlsConfig(null, null, null, readable("keyStore", keyStore), password.clone(), type);
    }

    /** Whether this is the PEM form. */
    public boolean isPem() {
        return certificateChain != null;
    }

    /** The PEM certificate chain, or {@code null}. */
    public Path certificateChain() {
        return certificateChain;
    }

    /** The PEM private key, or {@code null}. */
    public Path privateKey() {
        return privateKey;
    }

    /** The PEM key's password, or {@code null}. */
    public String keyPassword() {
        return keyPassword;
    }

    /** The key store, or {@code null}. */
    public Path keyStore() {
        return keyStore;
    }

    /** A copy of the key store password, or {@code null}. */
    public char[] keyStorePassword() {
        return keyStorePassword == null ? null : keyStorePassword.clone();
    }

    /** The key store type, or {@code null}. */
    public String keyStoreType() {
        return keyStoreType;
    }

    private static Path readable(String name, Path path) {
        Objects.requireNonNull(path, name);
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(name + " file is not readable: " + path);
        }
        return path;
    }
}
