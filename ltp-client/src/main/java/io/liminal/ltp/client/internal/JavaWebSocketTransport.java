package io.liminal.ltp.client.internal;

import io.liminal.ltp.core.LtpVersions;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ServerHandshake;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;

/**
 * The client transport on Java-WebSocket: offers {@code ltp.v0.3} and accepts a server that answers without a
 * subprotocol; WebSocket-level lost-connection pings are off (LTP has its own heartbeat); incoming frames are capped
 * so a hostile server cannot exhaust memory.
 */
public final class JavaWebSocketTransport implements ClientTransport {
    private final SSLContext sslContext;
    private final int connectTimeoutMillis;
    private final int maxFrameBytes;

    public JavaWebSocketTransport(SSLContext sslContext, int connectTimeoutMillis, int maxFrameBytes) {
        this.sslContext = sslContext;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public Connection open(URI uri, Map<String, String> headers, Listener listener) {
        List<IProtocol> protocols = new ArrayList<>();
        for (String offer : LtpVersions.CLIENT_OFFER) {
            protocols.add(new Protocol(offer));
        }
        protocols.add(new Protocol(""));
        Draft_6455 draft = new Draft_6455(List.of(), protocols, maxFrameBytes);
        AtomicBoolean opened = new AtomicBoolean();
        Throwable[] lastError = new Throwable[1];
        WebSocketClient socket = new WebSocketClient(uri, draft, headers, connectTimeoutMillis) {
            @Override
            public void onOpen(ServerHandshake handshake) {
                opened.set(true);
                listener.onOpen(handshake.getFieldValue("Sec-WebSocket-Protocol"));
            }

            @Override
            public void onMessage(String message) {
                listener.onText(message);
            }

            @Override
            public void onMessage(ByteBuffer bytes) {
                listener.onBinary(bytes);
            }

            @Override
            public void onClose(int code, String reason, boolean remote) {
                if (opened.get()) {
                    listener.onClosed(code < 0 ? 1006 : code, reason == null ? "" : reason, remote);
                } else {
                    listener.onFailed(lastError[0] != null ? lastError[0]
                            : new IOException("WebSocket upgrade failed: " + code + " " + reason));
                }
            }

            @Override
            public void onError(Exception error) {
                lastError[0] = error;
            }

            /**
             * Java-WebSocket's reader stops at its next turn once a close has begun, and stopping interrupts the
             * writer, which then exits without writing what is still queued: the close frame behind a ping could be
             * lost and the server would see 1006. Until the queue is written the reader keeps reading, so it ends on
             * the server's reply (or end of stream) as it does whenever it was already waiting in a read.
             */
            @Override
            public boolean isClosing() {
                return super.isClosing() && getConnection() instanceof WebSocketImpl engine
                        && engine.outQueue.isEmpty();
            }
        };
        socket.setConnectionLostTimeout(0);
        socket.setTcpNoDelay(true);
        if ("wss".equalsIgnoreCase(uri.getScheme())) {
            try {
                socket.setSocketFactory((sslContext != null ? sslContext : SSLContext.getDefault()).getSocketFactory());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("No default TLS context", e);
            }
        }
        socket.connect();
        // Frames are rendered here and queued to the socket's writer thread directly (see ClientFrames); the
        // library's own frames (close, pong) go through the same queue, so the order of writes is kept.
        WebSocketImpl engine = (WebSocketImpl) socket.getConnection();
        return new Connection() {
            @Override
            public void send(String text) {
                if (!socket.isOpen()) {
                    return; // the close callback follows; the client treats the connection as lost there
                }
                engine.outQueue.add(ClientFrames.text(text));
            }

            @Override
            public void close(int code, String reason) {
                if (socket.isOpen()) {
                    socket.close(code, reason);
                    return;
                }
                socket.close();
                // Still connecting or upgrading: the library's close does not end a read blocked on the upgrade
                // response, closing the socket does (the attempt then reports its failure).
                Socket raw = socket.getSocket();
                if (raw != null) {
                    try {
                        raw.close();
                    } catch (IOException ignored) {
                        // closed anyway
                    }
                }
            }
        };
    }
}
