/**
 * Authentication of handshakes: the {@link io.liminal.ltp.server.auth.Authenticator} SPI and a JWT implementation
 * ({@link io.liminal.ltp.server.auth.JwtAuthenticator}).
 */
package io.liminal.ltp.server.auth;
