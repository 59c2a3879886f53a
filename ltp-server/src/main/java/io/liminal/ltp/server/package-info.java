/**
 * An embeddable LTP v0.3 server: {@link io.liminal.ltp.server.LtpServer} with its builder, the application
 * callbacks ({@link io.liminal.ltp.server.LtpHandler}, {@link io.liminal.ltp.server.SessionContext}), and TLS
 * settings. Storage, authentication and transports are pluggable through the {@code store}, {@code auth} and
 * {@code transport} packages.
 */
package io.liminal.ltp.server;
