package io.liminal.ltp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.liminal.ltp.client.internal.ClientTransport;
import io.liminal.ltp.core.session.ClientSessionMachine;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A socket may still deliver after {@code close()}: its thread must not get the closed executor's rejection. */
@Timeout(30)
class ClientAfterCloseTest {

    @Test
    void transportEventsAfterCloseAreDroppedQuietly() throws Exception {
        CompletableFuture<ClientTransport.Listener> opened = new CompletableFuture<>();
        ClientTransport transport = (uri, headers, listener) -> {
            opened.complete(listener);
            return new ClientTransport.Connection() {
                @Override
                public void send(String text) {
                }

                @Override
                public void close(int code, String reason) {
                }
            };
        };
        LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:9/"))
                .clientId("after-close")
                .threadIdStore(new InMemoryThreadIdStore())
                .build(transport);
        client.connect();
        ClientTransport.Listener socket = opened.get(10, TimeUnit.SECONDS);

        client.close();

        assertThatCode(() -> {
            socket.onOpen("ltp.v0.3");
            socket.onText("{\"type\":\"pong\"}");
            socket.onBinary(ByteBuffer.wrap(new byte[] {'{', '}'}));
            socket.onClosed(1006, "", false);
            socket.onFailed(new java.io.IOException("reset"));
        }).doesNotThrowAnyException();
        assertThat(client.state()).isEqualTo(ClientSessionMachine.State.CLOSED);
    }
}
