package io.liminal.ltp.server.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class RequestHeadersTest {

    @Test
    void keepsApplicationHeadersCaseInsensitivelyAndDropsWebSocketMechanics() {
        HttpHeaders raw = new DefaultHttpHeaders()
                .add("Host", "example.test")
                .add("Authorization", "Bearer abc")
                .add("X-Tenant", "blue")
                .add("X-Tenant", "green")
                .add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .add("Upgrade", "websocket")
                .add("Connection", "Upgrade");
        RequestHeaders headers = RequestHeaders.of(raw);
        assertThat(headers.get("authorization")).isEqualTo("Bearer abc");
        assertThat(headers.get("HOST")).isEqualTo("example.test");
        assertThat(headers.get("x-tenant")).as("first value").isEqualTo("blue");
        assertThat(headers.get("Sec-WebSocket-Key")).isNull();
        assertThat(headers.get("Upgrade")).isNull();
        assertThat(headers.get("Connection")).isNull();
        assertThat(headers.get("Missing")).isNull();
    }

    @Test
    void commonNamesAreSharedBetweenConnectionsOthersAreKeptAsSent() {
        String[] first = RequestHeaders.of(new DefaultHttpHeaders().add("Origin", "https://a.test")
                .add("X-Tenant", "blue")).names();
        String[] second = RequestHeaders.of(new DefaultHttpHeaders().add("origin", "https://b.test")
                .add("X-Tenant", "green")).names();
        assertThat(first[0]).isSameAs(second[0]).isEqualTo("origin");
        assertThat(first[1]).isEqualTo("X-Tenant");
        assertThat(second[1]).isEqualTo("X-Tenant");
    }
}
