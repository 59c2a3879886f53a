/**
 * Security primitives of spec §11: CSPRNG nonces ({@link io.liminal.ltp.core.security.NonceGenerator}), nonce
 * shapes ({@link io.liminal.ltp.core.security.NonceFormat}), optional HMAC-SHA256 envelope signatures
 * ({@link io.liminal.ltp.core.security.EnvelopeSigner}) and replay protection
 * ({@link io.liminal.ltp.core.security.ReplayGuard}).
 */
package io.liminal.ltp.core.security;
