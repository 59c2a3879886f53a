package io.liminal.ltp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class TcpProxyTest {
    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket socket = echo.accept();
                    Thread t = new Thread(() -> {
                        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // peer went away
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterEach
    void stopEcho() throws IOException {
        echo.close();
    }

    private static byte[] roundTrip(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes());
        byte[] buffer = new byte[text.length()];
        int read = 0;
        while (read < buffer.length) {
            int n = socket.getInputStream().read(buffer, read, buffer.length - read);
            if (n < 0) {
                throw new IOException("closed");
            }
            read += n;
        }
        return buffer;
    }

    @Test
    void forwardsBothWays() throws IOException {
        try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            assertThat(new String(roundTrip(socket, "hello"))).isEqualTo("hello");
            assertThat(proxy.acceptedConnections()).isEqualTo(1);
        }
    }

    @Test
    void awaitsAcceptedConnections() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort())) {
            assertThat(proxy.awaitAcceptedMoreThan(0, java.time.Duration.ofMillis(50))).isFalse();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThat(proxy.awaitAcceptedMoreThan(0, java.time.Duration.ofSeconds(10))).isTrue();
                assertThat(proxy.awaitAcceptedMoreThan(1, java.time.Duration.ofMillis(50))).isFalse();
            }
        }
    }

    @Test
    void cutClosesConnections() throws IOException {
        try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            roundTrip(socket, "x");
            proxy.cutAll();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    roundTrip(socket, "y");
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void stallHoldsBytesUntilReleased() throws IOException {
        try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            roundTrip(socket, "x");
            proxy.stall(true);
            socket.setSoTimeout(300);
            socket.getOutputStream().write('z');
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            proxy.stall(false);
            socket.setSoTimeout(5000);
            assertThat(socket.getInputStream().read()).isEqualTo('z');
        }
    }

    @Test
    void refuseClosesNewConnections() throws IOException {
        try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort())) {
            proxy.refuse(true);
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThatThrownBy(() -> roundTrip(socket, "x")).isInstanceOf(IOException.class);
            }
        }
    }
}
