package io.liminal.ltp.server.transport;

import java.util.Objects;

/**
 * The answer to one of the server's HTTP endpoints.
 *
 * @param status HTTP status code
 * @param contentType {@code Content-Type}
 * @param body the body text (UTF-8)
 */
public record HttpReply(int status, String contentType, String body) {
    /** Validates the components. */
    public HttpReply {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }
}
