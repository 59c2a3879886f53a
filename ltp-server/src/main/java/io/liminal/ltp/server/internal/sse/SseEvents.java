package io.liminal.ltp.server.internal.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One connection's numbered events as the stream carries them ({@code id: <token>.<n>}, docs/extensions/sse-v1.md
 * §3), kept from when they are framed until the client acknowledges them, so that a reopened stream can be served
 * from any position the client may still ask for. Not thread-safe: its connection's executor only.
 */
final class SseEvents {
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);

    private final byte[] idPrefix;
    private final ArrayDeque<Event> unacknowledged = new ArrayDeque<>();
    private long bytes;
    /** The next event's number; 0 is the {@code ltp-open} event, which is never kept. */
    private long nextId = 1;

    private record Event(long id, byte[] bytes) {
    }

    SseEvents(String token) {
        this.idPrefix = ("id: " + token + ".").getBytes(StandardCharsets.US_ASCII);
    }

    /** The first event of a stream: reconnect delay, the {@code ltp-open} event (number 0) with {@code data}. */
    byte[] openEvent(String data) {
        return ("retry: 1000\n" + new String(idPrefix, StandardCharsets.US_ASCII) + "0\nevent: ltp-open\ndata: " + data
                + "\n\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The next event, framed but not yet kept: {@link #keep} it once it may go out. */
    byte[] frame(String type, byte[] data) {
        return frame(nextId, type, data);
    }

    /** Keeps {@code event}, framed by {@link #frame}, under the next number. */
    void keep(byte[] event) {
        unacknowledged.addLast(new Event(nextId++, event));
        bytes += event.length;
    }

    /** Bytes of the events kept. */
    long bytes() {
        return bytes;
    }

    /** Whether {@code lastRead} is an event this connection sent: numbered, and not acknowledged before. */
    boolean canResumeAfter(long lastRead) {
        Event first = unacknowledged.peekFirst();
        long firstKept = first == null ? nextId : first.id();
        return lastRead + 1 >= firstKept && lastRead < nextId;
    }

    /** Forgets the events up to {@code through}; numbers never sent are ignored. */
    void acknowledge(long through) {
        if (through >= nextId) {
            return;
        }
        Event head;
        while ((head = unacknowledged.peekFirst()) != null && head.id() <= through) {
            unacknowledged.pollFirst();
            bytes -= head.bytes().length;
        }
    }

    /** The events kept, oldest first. */
    void forEach(Consumer<byte[]> action) {
        for (Event event : unacknowledged) {
            action.accept(event.bytes());
        }
    }

    void clear() {
        unacknowledged.clear();
        bytes = 0;
    }

    /** {@code id: <token>.<n>}, an optional {@code event:} line, then the data, one {@code data:} line per line. */
    private byte[] frame(long id, String type, byte[] data) {
        if (type == null && !hasLineBreak(data)) { // a server message as the codec writes it: one line
            byte[] number = Long.toString(id).getBytes(StandardCharsets.US_ASCII);
            byte[] event = new byte[idPrefix.length + number.length + DATA.length + data.length + 2];
            int at = 0;
            System.arraycopy(idPrefix, 0, event, at, idPrefix.length);
            at += idPrefix.length;
            System.arraycopy(number, 0, event, at, number.length);
            at += number.length;
            System.arraycopy(DATA, 0, event, at, DATA.length);
            at += DATA.length;
            System.arraycopy(data, 0, event, at, data.length);
            event[event.length - 2] = '\n';
            event[event.length - 1] = '\n';
            return event;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + idPrefix.length + 32);
        out.writeBytes(idPrefix);
        out.writeBytes(Long.toString(id).getBytes(StandardCharsets.US_ASCII));
        if (type != null) {
            out.writeBytes(("\nevent: " + type).getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(DATA);
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n' || data[i] == '\r') {
                out.write(data, start, i - start);
                out.writeBytes(DATA);
                if (data[i] == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        out.write(data, start, data.length - start);
        out.write('\n');
        out.write('\n');
        return out.toByteArray();
    }

    private static boolean hasLineBreak(byte[] data) {
        for (byte b : data) {
            if (b == '\n' || b == '\r') {
                return true;
            }
        }
        return false;
    }
}
