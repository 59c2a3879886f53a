package io.liminal.ltp.client;

/** What the offline buffer does with a new message when it is full (by count or bytes). */
public enum OverflowPolicy {
    /** Refuse the new message: its future fails with {@link LtpClientException.OfflineBufferFullException}. */
    FAIL,
    /** Make room by dropping the oldest buffered messages; their futures fail with {@link LtpClientException.MessageDroppedException}. */
    DROP_OLDEST,
    /** Drop the new message (same as {@link #FAIL} for its future; named for symmetry with common clients). */
    DROP_NEWEST
}
