package io.liminal.ltp.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A bare WebSocket client over a socket, for tests that need frames a proper client library refuses to send:
 * invalid UTF-8 in text frames, stray continuations, oversized frames. Blocking; one thread.
 */
public final class RawWebSocket implements AutoCloseable {
    /** Continuation opcode. */
    public static final int CONTINUATION = 0x0;
    /** Text opcode. */
    public static final int TEXT = 0x1;
    /** Binary opcode. */
    public static final int BINARY = 0x2;
    /** Close opcode. */
    public static final int CLOSE = 0x8;
    /** Ping opcode. */
    public static final int PING = 0x9;
    /** Pong opcode. */
    public static final int PONG = 0xA;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int status;
    private final Map<String, String> responseHeaders;

    private RawWebSocket(Socket socket, DataInputStream in, OutputStream out, int status, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.status = status;
        this.responseHeaders = headers;
    }

    /**
     * Sends an upgrade request to 127.0.0.1:{@code port}{@code path} and reads the response headers.
     *
     * @param subprotocols offered protocols, or an empty list for none
     */
    public static RawWebSocket connect(int port, String path, List<String> subprotocols, Map<String, String> headers) {
        return connect(port, path, subprotocols, headers, 0);
    }

    /**
     * Like {@link #connect(int, String, List, Map)}, with a receive buffer of {@code receiveBufferBytes} (0 for the
     * system's): a small one lets a test play a peer that reads nothing without gigabytes piling up.
     */
    public static RawWebSocket connect(int port, String path, List<String> subprotocols, Map<String, String> headers,
            int receiveBufferBytes) {
        try {
            Socket socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            StringBuilder request = new StringBuilder()
                    .append("GET ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(nonce)).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            if (!subprotocols.isEmpty()) {
                request.append("Sec-WebSocket-Protocol: ").append(String.join(", ", subprotocols)).append("\r\n");
            }
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String statusLine = readLine(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> responseHeaders = new LinkedHashMap<>();
            String line;
            while (!(line = readLine(in)).isEmpty()) {
                int colon = line.indexOf(':');
                responseHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            return new RawWebSocket(socket, in, out, status, responseHeaders);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The HTTP status of the upgrade response (101 on success). */
    public int status() {
        return status;
    }

    /** A response header (lower-case name), or {@code null}. */
    public String responseHeader(String name) {
        return responseHeaders.get(name.toLowerCase(Locale.ROOT));
    }

    /** Sends a masked frame. */
    public RawWebSocket sendFrame(int opcode, byte[] payload, boolean fin) {
        try {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
            frame.write((fin ? 0x80 : 0) | opcode);
            int length = payload.length;
            if (length < 126) {
                frame.write(0x80 | length);
            } else if (length <= 0xFFFF) {
                frame.write(0x80 | 126);
                frame.write(length >>> 8);
                frame.write(length);
            } else {
                frame.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) length >>> shift));
                }
            }
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            frame.write(mask);
            for (int i = 0; i < length; i++) {
                frame.write(payload[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends only the header of a masked frame that declares {@code declaredLength} payload bytes, and none of them:
     * enough for a server to refuse the frame by its length alone.
     */
    public RawWebSocket sendFrameHeader(int opcode, long declaredLength) {
        try {
            ByteArrayOutputStream header = new ByteArrayOutputStream(14);
            header.write(0x80 | opcode);
            header.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                header.write((int) (declaredLength >>> shift));
            }
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            header.write(mask);
            out.write(header.toByteArray());
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends the header of a masked frame that declares {@code declaredLength} payload bytes, and the first of them:
     * a frame that never ends.
     */
    public RawWebSocket sendPartialFrame(int opcode, boolean fin, long declaredLength, byte[] payloadPrefix) {
        try {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payloadPrefix.length + 14);
            frame.write((fin ? 0x80 : 0) | opcode);
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (declaredLength >>> shift));
            }
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            frame.write(mask);
            for (int i = 0; i < payloadPrefix.length; i++) {
                frame.write(payloadPrefix[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends bytes as they are. */
    public RawWebSocket sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a whole text message. */
    public RawWebSocket sendText(String text) {
        return sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Reads the next frame.
     *
     * @throws UncheckedIOException when the connection closes or nothing arrives within {@code timeout}
     */
    public Frame readFrame(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            int first = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            long length = second & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return new Frame((first & 0x80) != 0, first & 0x0F, payload);
        } catch (SocketTimeoutException e) {
            throw new UncheckedIOException("No frame within " + timeout, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads frames until a close frame and returns its code (1005 when it has none). */
    public int readCloseCode(Duration timeout) {
        while (true) {
            Frame frame = readFrame(timeout);
            if (frame.opcode() == CLOSE) {
                return frame.payload().length >= 2 ? ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF)
                        : 1005;
            }
        }
    }

    /** Whether the server closed the TCP connection (reads EOF within the timeout). */
    public boolean awaitEof(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            while (in.read() >= 0) {
                // skip whatever is left
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (IOException e) {
            return !(e instanceof SocketTimeoutException);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c < 0 && line.length() == 0) {
            throw new EOFException("Connection closed during the upgrade");
        }
        return line.toString();
    }

    /**
     * One frame.
     *
     * @param fin whether it is the final fragment
     * @param opcode the opcode
     * @param payload the unmasked payload
     */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        /** The payload as UTF-8 text. */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
