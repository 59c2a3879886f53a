package io.liminal.ltp.core.internal.text;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from text that is about to be logged or shown: passwords in URL user info
 * ({@code redis://:pw@host}, {@code jdbc:postgresql://user:pw@host}), and the values of query and property
 * parameters named like secrets ({@code ?password=}, {@code &token=}, {@code ;pwd=}), wherever they appear in the
 * text, for example inside a driver's error message.
 */
public final class Redaction {
    /** What a removed secret is replaced with. */
    public static final String MASK = "***";

    /** {@code scheme://user:password@} or {@code scheme://:password@}: the password goes. */
    private static final Pattern USER_INFO = Pattern.compile("(//[^/@\\s:]*):[^/@\\s]*@");
    /** {@code scheme://token@}: a lone user part can be a token (Redis ACL-less auth, API keys). */
    private static final Pattern LONE_USER_INFO = Pattern.compile("(rediss?://)[^/@\\s:]+@");
    /** {@code password=...} up to the next separator, in query strings and JDBC property lists. */
    private static final Pattern SECRET_PARAMETER = Pattern.compile(
            "(?i)((?:^|[?&;,\\s])(?:password|passwd|pwd|pass|secret|token|access_token|auth_token|api_key|apikey|key"
                    + "|sslpassword|client_secret)=)[^&;,\\s]*");

    private Redaction() {
    }

    /** {@code text} with every secret it holds replaced by {@link #MASK}; {@code null} stays {@code null}. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = USER_INFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
        result = LONE_USER_INFO.matcher(result).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + "@"));
        return SECRET_PARAMETER.matcher(result).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
    }

    /**
     * The same failure with every secret removed from its message and its causes' messages, for a logger that
     * prints stack traces: drivers put connection URLs in their messages. Stack traces are kept as they were; a
     * throwable without a secret is returned as it is.
     */
    public static Throwable redact(Throwable error) {
        if (error == null) {
            return null;
        }
        Throwable cause = redact(error.getCause() == error ? null : error.getCause());
        String message = error.getMessage();
        String redacted = redact(message);
        if (cause == error.getCause() && java.util.Objects.equals(message, redacted)) {
            return error;
        }
        RedactedException copy = new RedactedException(error.getClass().getName()
                + (redacted == null ? "" : ": " + redacted), cause);
        copy.setStackTrace(error.getStackTrace());
        return copy;
    }

    /** A failure whose message had a secret: its text names the original class, then the redacted message. */
    static final class RedactedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedactedException(String text, Throwable cause) {
            super(text, cause);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /**
     * {@code text} redacted, and also without any occurrence of the given secret values (for messages that quote a
     * secret outside any URL form).
     */
    public static String redact(String text, Iterable<String> secrets) {
        String result = redact(text);
        if (result == null) {
            return null;
        }
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 3) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }
}
