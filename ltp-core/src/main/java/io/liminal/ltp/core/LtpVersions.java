package io.liminal.ltp.core;

import com.google.gson.JsonArray;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Protocol versions and WebSocket subprotocols (spec §1 and §3.5), and the negotiation both sides use.
 *
 * <ul>
 *   <li>Accepted {@code ltp_version} values: exactly {@code "0.3"} (current) and {@code "0.2"}. {@code "0.1"}
 *       and everything else are unsupported (Appendix A-6).</li>
 *   <li>Subprotocols: clients offer {@code ltp.v0.3}; servers select {@code ltp.v0.3} if offered, else
 *       {@code ltp.v0.2}, else none. {@code ltp.v0.1} is never selected.</li>
 * </ul>
 */
public final class LtpVersions {
    /** The current protocol version. */
    public static final String V0_3 = "0.3";
    /** The previous version, still accepted; it shares every format but TOON. */
    public static final String V0_2 = "0.2";
    /** The versions this implementation accepts, preferred first. */
    public static final List<String> SUPPORTED = List.of(V0_3, V0_2);

    /** Subprotocol for v0.3. */
    public static final String SUBPROTOCOL_V0_3 = "ltp.v0.3";
    /** Subprotocol for v0.2. */
    public static final String SUBPROTOCOL_V0_2 = "ltp.v0.2";
    /** What a client offers in {@code Sec-WebSocket-Protocol}. */
    public static final List<String> CLIENT_OFFER = List.of(SUBPROTOCOL_V0_3);

    private LtpVersions() {
    }

    /** Whether {@code version} is an accepted {@code ltp_version} value. */
    public static boolean isSupported(String version) {
        return V0_3.equals(version) || V0_2.equals(version);
    }

    /**
     * The server's subprotocol choice among those the client offered: {@code ltp.v0.3} if offered, else
     * {@code ltp.v0.2}, else empty (the upgrade completes without a {@code Sec-WebSocket-Protocol} header).
     * The client's order does not matter.
     */
    public static Optional<String> selectSubprotocol(Collection<String> offered) {
        if (offered == null || offered.isEmpty()) {
            return Optional.empty();
        }
        boolean v02 = false;
        for (String candidate : offered) {
            String trimmed = candidate == null ? "" : candidate.trim();
            if (SUBPROTOCOL_V0_3.equals(trimmed)) {
                return Optional.of(SUBPROTOCOL_V0_3);
            }
            v02 |= SUBPROTOCOL_V0_2.equals(trimmed);
        }
        return v02 ? Optional.of(SUBPROTOCOL_V0_2) : Optional.empty();
    }

    /**
     * Parses a {@code Sec-WebSocket-Protocol} request header value ("a, b") into its tokens.
     */
    public static List<String> parseSubprotocolHeader(String headerValue) {
        if (headerValue == null) {
            return List.of();
        }
        // By hand: String.split with a pattern compiled a regex at every upgrade (a seventh of its allocation).
        List<String> tokens = new ArrayList<>(2);
        int start = 0;
        while (true) {
            int comma = headerValue.indexOf(',', start);
            String token = headerValue.substring(start, comma < 0 ? headerValue.length() : comma).trim();
            if (!token.isEmpty()) {
                tokens.add(token);
            }
            if (comma < 0) {
                return List.copyOf(tokens);
            }
            start = comma + 1;
        }
    }

    /**
     * The version a server puts in its ack for a requested {@code ltp_version}: the requested one itself
     * (Appendix A-5).
     *
     * @throws LtpProtocolException {@code UNSUPPORTED_VERSION} with {@code requested_version} and
     *     {@code supported_versions} in its details when the version is not accepted
     */
    public static String negotiate(String requested) {
        if (isSupported(requested)) {
            return requested;
        }
        throw unsupported(requested);
    }

    /** The {@code UNSUPPORTED_VERSION} error for a requested version, in the spec's §3.5 shape. */
    public static LtpProtocolException unsupported(String requested) {
        JsonArray supported = supportedJson();
        return new LtpProtocolException(ErrorCode.UNSUPPORTED_VERSION,
                "LTP version " + requested + " is not supported",
                LtpProtocolException.newDetails()
                        .put("requested_version", requested)
                        .put("supported_versions", supported)
                        .build());
    }

    /** {@link #SUPPORTED} as a fresh JSON array. */
    public static JsonArray supportedJson() {
        JsonArray array = new JsonArray(SUPPORTED.size());
        SUPPORTED.forEach(array::add);
        return array;
    }
}
