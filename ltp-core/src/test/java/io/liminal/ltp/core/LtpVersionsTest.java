package io.liminal.ltp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LtpVersionsTest {

    @Test
    @DisplayName("LTP-TR-002: ltp.v0.3 is selected when offered, whatever the client's order; else ltp.v0.2; never another")
    void subprotocolSelection() {
        assertThat(LtpVersions.selectSubprotocol(List.of("ltp.v0.3"))).contains("ltp.v0.3");
        assertThat(LtpVersions.selectSubprotocol(List.of("ltp.v0.2", "ltp.v0.3"))).contains("ltp.v0.3");
        assertThat(LtpVersions.selectSubprotocol(List.of("chat", "ltp.v0.2"))).contains("ltp.v0.2");
        assertThat(LtpVersions.selectSubprotocol(List.of("ltp.v0.1"))).isEmpty();
        assertThat(LtpVersions.selectSubprotocol(List.of("chat"))).isEmpty();
        assertThat(LtpVersions.selectSubprotocol(List.of())).isEmpty();
        assertThat(LtpVersions.parseSubprotocolHeader("ltp.v0.2 , ltp.v0.3")).containsExactly("ltp.v0.2", "ltp.v0.3");
        assertThat(LtpVersions.parseSubprotocolHeader(null)).isEmpty();
        assertThat(LtpVersions.parseSubprotocolHeader("")).isEmpty();
        assertThat(LtpVersions.parseSubprotocolHeader(" , ,")).isEmpty();
        assertThat(LtpVersions.parseSubprotocolHeader("ltp.v0.3")).containsExactly("ltp.v0.3");
        assertThat(LtpVersions.parseSubprotocolHeader("\tchat,ltp.v0.3\t,, x ")).containsExactly("chat", "ltp.v0.3", "x");
    }

    @Test
    @DisplayName("LTP-TR-001: clients offer ltp.v0.3")
    void clientOffer() {
        assertThat(LtpVersions.CLIENT_OFFER).containsExactly("ltp.v0.3");
    }

    @Test
    @DisplayName("LTP-HS-008: 0.3 and 0.2 are accepted and echoed; LTP-HS-009: 0.1 and others are unsupported")
    void negotiation() {
        assertThat(LtpVersions.negotiate("0.3")).isEqualTo("0.3");
        assertThat(LtpVersions.negotiate("0.2")).isEqualTo("0.2");
        assertThatThrownBy(() -> LtpVersions.negotiate("0.1")).isInstanceOfSatisfying(LtpProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
            assertThat(e.getMessage()).isEqualTo("LTP version 0.1 is not supported");
        });
    }

    @Test
    @DisplayName("every error code maps back from its wire name, with the §6 close behaviour")
    void errorCodes() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.fromWire(code.wireName())).isSameAs(code);
        }
        assertThat(ErrorCode.fromWire("NOT_A_CODE")).isNull();
        assertThat(ErrorCode.values()).filteredOn(c -> !c.keepsConnectionOpen())
                .containsExactlyInAnyOrder(ErrorCode.MALFORMED_HANDSHAKE, ErrorCode.UNSUPPORTED_VERSION,
                        ErrorCode.INVALID_CLIENT_ID);
    }
}
