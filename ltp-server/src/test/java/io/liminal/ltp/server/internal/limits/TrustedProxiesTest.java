package io.liminal.ltp.server.internal.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private static InetSocketAddress peer(String ip) {
        return new InetSocketAddress(ip, 40_000);
    }

    @Test
    @DisplayName("behind a trusted proxy the client is the rightmost forwarded address that is not a proxy")
    void forwardedClient() {
        TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "127.0.0.1"));
        Map<String, String> headers = Map.of("X-Forwarded-For", "203.0.113.9, 198.51.100.7, 10.1.2.3");
        assertThat(proxies.clientKey(peer("127.0.0.1"), headers::get)).isEqualTo("198.51.100.7");
        assertThat(proxies.contains(peer("10.200.0.1"))).isTrue();
        assertThat(proxies.contains(peer("11.0.0.1"))).isFalse();
    }

    @Test
    @DisplayName("a header from anyone else is ignored: a peer cannot choose whom its handshakes are charged to")
    void spoofedHeaderIgnored() {
        TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8"));
        Map<String, String> headers = Map.of("X-Forwarded-For", "203.0.113.9");
        assertThat(proxies.clientKey(peer("198.51.100.7"), headers::get)).isEqualTo("198.51.100.7");
        assertThat(TrustedProxies.NONE.clientKey(peer("198.51.100.7"), headers::get)).isEqualTo("198.51.100.7");
    }

    @Test
    @DisplayName("garbage in the header stops the walk at the last trusted hop; nothing is resolved by DNS")
    void garbageHeader() {
        TrustedProxies proxies = TrustedProxies.of(List.of("127.0.0.1"));
        assertThat(proxies.clientKey(peer("127.0.0.1"), name -> "evil.example.com")).isEqualTo("127.0.0.1");
        assertThat(TrustedProxies.literal("localhost")).isNull();
        assertThat(TrustedProxies.literal("1.2.3")).isNull();
    }

    @Test
    @DisplayName("IPv6 clients count per /64, so rotating addresses inside one's prefix does not help")
    void ipv6PerSlash64() {
        assertThat(TrustedProxies.addressKey(peer("2001:db8:1:2::1"))).isEqualTo(
                TrustedProxies.addressKey(peer("2001:db8:1:2:ffff::9")));
        assertThat(TrustedProxies.addressKey(peer("2001:db8:1:3::1"))).isNotEqualTo(
                TrustedProxies.addressKey(peer("2001:db8:1:2::1")));
        assertThat(TrustedProxies.of(List.of("fd00::/8")).contains(peer("fd12::1"))).isTrue();
    }

    @Test
    @DisplayName("entries must be literal addresses or blocks")
    void badEntries() {
        assertThatThrownBy(() -> TrustedProxies.of(List.of("proxy.internal"))).hasMessageContaining("proxy.internal");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33"))).hasMessageContaining("prefix");
    }
}
