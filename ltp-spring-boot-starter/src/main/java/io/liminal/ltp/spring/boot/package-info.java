/**
 * Spring Boot auto-configuration for LTP: {@link io.liminal.ltp.spring.boot.LtpServerAutoConfiguration} runs an
 * LTP server for the context's {@link io.liminal.ltp.server.LtpHandler} beans, configured by
 * {@link io.liminal.ltp.spring.boot.LtpServerProperties} ({@code ltp.server.*});
 * {@link io.liminal.ltp.spring.boot.LtpClientAutoConfiguration} makes an {@link io.liminal.ltp.client.LtpClient}
 * bean from {@link io.liminal.ltp.spring.boot.LtpClientProperties} ({@code ltp.client.*}).
 */
package io.liminal.ltp.spring.boot;
