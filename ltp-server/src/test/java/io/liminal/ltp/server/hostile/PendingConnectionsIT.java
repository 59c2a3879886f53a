package io.liminal.ltp.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.transport.TransportLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Finding 1: TCP connections that never upgrade are bounded in number (in total and per address) and in time,
 * on both ports, keep-alive included; the endpoints keep answering meanwhile.
 */
class PendingConnectionsIT extends HostileTest {

    private static Socket open(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(15_000);
        return socket;
    }

    /** Whether the server closed the socket within {@code timeout} (EOF or reset). */
    private static boolean closedWithin(Socket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // a response, if any: read on until the close
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Test
    @DisplayName("silent connections past the per-address bound are closed at once, the others at the request timeout")
    void silentConnections() throws Exception {
        start(b -> b.transportLimits(TransportLimits.builder().maxPendingPerAddress(20)
                .requestTimeout(Duration.ofMillis(5_000)).build()));
        List<Socket> sockets = new ArrayList<>();
        try {
            duringAttack(() -> {
                for (int i = 0; i < 60; i++) {
                    sockets.add(open(server.port()));
                }
            });
            // Checked well within the request timeout: what is closed now was refused at accept.
            long refusedAtOnce = 0;
            for (Socket socket : sockets) {
                refusedAtOnce += closedWithin(socket, Duration.ofMillis(40)) ? 1 : 0;
            }
            assertThat(refusedAtOnce).as("the 40 over the per-address bound").isEqualTo(40);
            assertThat(statusFromOtherAddress(server.httpPort(), "/health")).as("another address is still served")
                    .isEqualTo(200);
            for (Socket socket : sockets) {
                assertThat(closedWithin(socket, Duration.ofSeconds(8))).as("closed at the request timeout").isTrue();
            }
            assertThat(transportEvents("pending_per_address_limit")).isEqualTo(40);
            assertThat(transportEvents("request_timeout")).isEqualTo(20);
        } finally {
            closeAll(sockets);
        }
    }

    @Test
    @DisplayName("the bound in total holds for every address together, and counts the endpoints port too")
    void totalBound() throws Exception {
        start(b -> b.transportLimits(TransportLimits.builder().maxPendingConnections(10).maxPendingPerAddress(0)
                .requestTimeout(Duration.ofSeconds(5)).build()));
        List<Socket> sockets = new ArrayList<>();
        try {
            duringAttack(() -> {
                for (int i = 0; i < 8; i++) {
                    sockets.add(open(server.httpPort()));
                }
                for (int i = 0; i < 8; i++) {
                    sockets.add(open(server.port()));
                }
            });
            long closed = 0;
            for (Socket socket : sockets) {
                closed += closedWithin(socket, Duration.ofMillis(40)) ? 1 : 0;
            }
            assertThat(closed).isEqualTo(6);
            assertThat(transportEvents("pending_limit")).isEqualTo(6);
        } finally {
            closeAll(sockets);
        }
        assertThat(eventually(() -> server.connectionCount() == 1, WAIT)).isTrue();
    }

    @Test
    @DisplayName("headers sent one byte at a time are cut off at the request timeout, however steadily they come")
    void slowHeaders() throws Exception {
        start(b -> b.transportLimits(TransportLimits.builder().requestTimeout(Duration.ofMillis(1_500)).build()));
        try (Socket socket = open(server.port())) {
            OutputStream out = socket.getOutputStream();
            byte[] request = ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Pad: "
                    + "y".repeat(200)).getBytes(StandardCharsets.US_ASCII);
            long started = System.nanoTime();
            duringAttack(() -> {
                try {
                    for (byte b : request) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(20); // 50 bytes a second: a slowloris
                    }
                } catch (IOException e) {
                    // cut off: the point
                }
            });
            assertThat(closedWithin(socket, Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    @DisplayName("an idle keep-alive connection to the endpoints is closed at the request timeout after its response")
    void idleKeepAlive() throws Exception {
        start(b -> b.transportLimits(TransportLimits.builder().requestTimeout(Duration.ofMillis(1_000)).build()));
        try (Socket socket = open(server.httpPort())) {
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] head = new byte[12];
            assertThat(socket.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            assertThat(closedWithin(socket, Duration.ofSeconds(4))).isTrue();
        }
        assertCanaryResponsive();
    }
}
