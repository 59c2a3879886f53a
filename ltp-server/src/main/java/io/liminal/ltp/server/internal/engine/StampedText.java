package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.internal.json.JsonText;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.session.ServerConnectionMachine.Stamp;
import java.nio.charset.StandardCharsets;

/**
 * Renders the messages a server sends most (pongs, delivery acknowledgements, logged messages with their numbers)
 * as UTF-8 bytes in one exact-size array, from a per-session head. The bytes are identical to what
 * {@code LtpCodec.encode} writes for the same stamped envelope (tests compare them); rendering skips stamping's
 * envelope copies, the general writer's walk of the payload, the string, and the string's encoding. A message of
 * another shape (a signature, extra fields, a nonce that needs escaping or is not ASCII) renders as {@code null}:
 * the caller then takes the general path.
 */
final class StampedText {
    private static final byte[] PONG_MIDDLE = bytes(",\"payload\":{},\"meta\":{},\"nonce\":\"");
    private static final byte[] ACK_MIDDLE = bytes(",\"payload\":{\"through\":");
    private static final byte[] ACK_TAIL = bytes("},\"nonce\":\"");
    private static final byte[] NONCE = bytes(",\"nonce\":\"");
    private static final byte[] SEQ = bytes("\",\"" + DeliveryProtocol.SEQ_FIELD + "\":");
    /** What a logged text holds where the live message has the session's ids and its timestamp. */
    private static final String TEMPLATE_IDS = ",\"thread_id\":\"\",\"session_id\":\"\",\"timestamp\":0";

    private StampedText() {
    }

    /** The heads of one bound session, made on first use. Used on the connection's executor only. */
    static final class Heads {
        private final Session session;
        private byte[] pong;
        private byte[] ack;
        private String loggedType;
        private byte[] loggedHead;
        /** {@code loggedType}'s head as logged ({@link #TEMPLATE_IDS}), and its length in UTF-8 bytes. */
        private String loggedTemplateHead;
        private int loggedTemplateHeadBytes;

        Heads(Session session) {
            this.session = session;
        }

        Session session() {
            return session;
        }

        byte[] pong() {
            if (pong == null) {
                pong = head(MessageTypes.PONG, session.threadId(), session.sessionId());
            }
            return pong;
        }

        byte[] ack() {
            if (ack == null) {
                ack = head(DeliveryProtocol.ACK_TYPE, session.threadId(), session.sessionId());
            }
            return ack;
        }

        /** One type at a time: a thread's replies are mostly of one type. */
        private void logged(String type) {
            if (!type.equals(loggedType)) {
                loggedHead = head(type, session.threadId(), session.sessionId());
                StringBuilder template = new StringBuilder(64).append("{\"type\":");
                JsonText.string(template, type);
                loggedTemplateHead = template.append(TEMPLATE_IDS).toString();
                loggedTemplateHeadBytes = loggedTemplateHead.getBytes(StandardCharsets.UTF_8).length;
                loggedType = type;
            }
        }
    }

    /** {@code {"type":…,"thread_id":…,"session_id":…,"timestamp":} in UTF-8. */
    static byte[] head(String type, String threadId, String sessionId) {
        StringBuilder head = new StringBuilder(128).append("{\"type\":");
        JsonText.string(head, type);
        head.append(",\"thread_id\":");
        JsonText.string(head, threadId);
        head.append(",\"session_id\":");
        JsonText.string(head, sessionId);
        return head.append(",\"timestamp\":").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A plain pong of the session (stamped by the machine), or {@code null} when it has another shape. */
    static byte[] pong(Heads heads, Envelope pong) {
        Session session = heads.session();
        if (pong.signature() != null || pong.contentEncoding() != null || !pong.extraFields().isEmpty()
                || pong.nonce() == null || pong.timestamp() < 0 || pong.payload() == null || pong.payload().size() != 0
                || pong.meta() == null || !pong.meta().isEmpty() || !session.threadId().equals(pong.threadId())
                || !session.sessionId().equals(pong.sessionId())) {
            return null;
        }
        byte[] head = heads.pong();
        String nonce = pong.nonce();
        int digits = JsonText.decimalDigits(pong.timestamp());
        byte[] out = new byte[head.length + digits + PONG_MIDDLE.length + nonce.length() + 2];
        int pos = put(out, 0, head);
        JsonText.putDecimal(out, pos, pong.timestamp(), digits);
        pos = put(out, pos + digits, PONG_MIDDLE);
        pos = putNonce(out, pos, nonce);
        if (pos < 0) {
            return null;
        }
        out[pos++] = '"';
        out[pos] = '}';
        return out;
    }

    /** {@code DeliveryProtocol.ack(through)} stamped with {@code stamp}, or {@code null} (see the class). */
    static byte[] ack(Heads heads, long through, Stamp stamp) {
        if (stamp == null || stamp.timestamp() < 0 || through < 0) {
            return null;
        }
        byte[] head = heads.ack();
        int timeDigits = JsonText.decimalDigits(stamp.timestamp());
        int throughDigits = JsonText.decimalDigits(through);
        byte[] out = new byte[head.length + timeDigits + ACK_MIDDLE.length + throughDigits + ACK_TAIL.length
                + stamp.nonce().length() + 2];
        int pos = put(out, 0, head);
        JsonText.putDecimal(out, pos, stamp.timestamp(), timeDigits);
        pos = put(out, pos + timeDigits, ACK_MIDDLE);
        JsonText.putDecimal(out, pos, through, throughDigits);
        pos = put(out, pos + throughDigits, ACK_TAIL);
        pos = putNonce(out, pos, stamp.nonce());
        if (pos < 0) {
            return null;
        }
        out[pos++] = '"';
        out[pos] = '}';
        return out;
    }

    /**
     * A logged message, as a live connection of the session gets it: {@code text} with the session's ids, the
     * stamp's timestamp and nonce, and the number {@code seq}; or {@code null} (see the class).
     *
     * @param template the envelope {@code text} was written from ({@code DeliveryLog.templateOf})
     */
    static byte[] logged(Heads heads, Envelope template, String text, long seq, Stamp stamp) {
        if (stamp == null || stamp.timestamp() < 0 || seq < 0 || template.timestamp() != 0 || template.nonce() != null
                || template.signature() != null || !template.extraFields().isEmpty()) {
            return null;
        }
        heads.logged(template.type());
        String templateHead = heads.loggedTemplateHead;
        if (!text.startsWith(templateHead) || !text.endsWith("}")) {
            return null;
        }
        byte[] logged = text.getBytes(StandardCharsets.UTF_8);
        int restStart = heads.loggedTemplateHeadBytes;
        int restLength = logged.length - 1 - restStart; // up to the closing brace
        byte[] head = heads.loggedHead;
        int timeDigits = JsonText.decimalDigits(stamp.timestamp());
        int seqDigits = JsonText.decimalDigits(seq);
        byte[] out = new byte[head.length + timeDigits + restLength + NONCE.length + stamp.nonce().length()
                + SEQ.length + seqDigits + 1];
        int pos = put(out, 0, head);
        JsonText.putDecimal(out, pos, stamp.timestamp(), timeDigits);
        pos += timeDigits;
        System.arraycopy(logged, restStart, out, pos, restLength);
        pos = put(out, pos + restLength, NONCE);
        pos = putNonce(out, pos, stamp.nonce());
        if (pos < 0) {
            return null;
        }
        pos = put(out, pos, SEQ);
        JsonText.putDecimal(out, pos, seq, seqDigits);
        out[pos + seqDigits] = '}';
        return out;
    }

    private static int put(byte[] out, int pos, byte[] part) {
        System.arraycopy(part, 0, out, pos, part.length);
        return pos + part.length;
    }

    /** Copies a nonce that needs no escaping (printable ASCII, no quote or backslash); -1 for any other. */
    private static int putNonce(byte[] out, int pos, String nonce) {
        boolean plain = true;
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            plain &= c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
            out[pos++] = (byte) c;
        }
        return plain ? pos : -1;
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }
}
