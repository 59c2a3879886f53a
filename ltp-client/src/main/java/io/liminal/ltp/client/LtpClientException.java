package io.liminal.ltp.client;

/**
 * Why a send or connect future failed. Subclasses name the cause: {@link ClientClosedException},
 * {@link OfflineBufferFullException}, {@link MessageDroppedException}, {@link PermanentFailureException}.
 */
public class LtpClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public LtpClientException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public LtpClientException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The client was closed before the message could be written. */
    public static final class ClientClosedException extends LtpClientException {
        private static final long serialVersionUID = 1L;

        /** With a message. */
        public ClientClosedException(String message) {
            super(message);
        }
    }

    /** The offline buffer is full and its policy is {@link OverflowPolicy#FAIL} (or this message was the newest). */
    public static final class OfflineBufferFullException extends LtpClientException {
        private static final long serialVersionUID = 1L;

        /** With a message naming the limit. */
        public OfflineBufferFullException(String message) {
            super(message);
        }
    }

    /** The message was dropped from the offline buffer to make room for a newer one ({@link OverflowPolicy#DROP_OLDEST}). */
    public static final class MessageDroppedException extends LtpClientException {
        private static final long serialVersionUID = 1L;

        /** With a message naming the limit. */
        public MessageDroppedException(String message) {
            super(message);
        }
    }

    /** The client gave up (retries exhausted, handshake refused, session superseded). */
    public static final class PermanentFailureException extends LtpClientException {
        private static final long serialVersionUID = 1L;
        private final transient ConnectionFailure failure;

        /** For a failure. */
        public PermanentFailureException(ConnectionFailure failure) {
            super(failure.message());
            this.failure = failure;
        }

        /** What happened. */
        public ConnectionFailure failure() {
            return failure;
        }
    }
}
