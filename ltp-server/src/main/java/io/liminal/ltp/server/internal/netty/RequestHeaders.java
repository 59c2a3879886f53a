package io.liminal.ltp.server.internal.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The upgrade request's headers as kept for the connection's lifetime (authenticators may read them at every
 * handshake). The WebSocket mechanics (key, version, extensions, upgrade, connection) carry nothing an application
 * needs and are dropped; the rest sits in one flat array, which at 20,000 connections is megabytes less than
 * Netty's header map.
 */
final class RequestHeaders {
    private static final String[] NONE = new String[0];
    /** Names most requests carry, shared instead of a String per connection each (lookups ignore case). */
    private static final String[] COMMON_NAMES = {"host", "origin", "user-agent", "sec-websocket-protocol",
        "authorization", "cookie", "x-forwarded-for", "x-forwarded-proto", "x-real-ip", "forwarded",
        "accept-encoding", "accept-language", "cache-control", "pragma"};
    private final String[] namesAndValues;

    private RequestHeaders(String[] namesAndValues) {
        this.namesAndValues = namesAndValues;
    }

    static RequestHeaders of(HttpHeaders headers) {
        String[] kept = new String[headers.size() * 2];
        int size = 0;
        // As CharSequences: only what is kept becomes a String.
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = entries.next();
            CharSequence name = header.getKey();
            if (!isMechanics(name)) {
                kept[size++] = nameOf(name);
                kept[size++] = header.getValue().toString();
            }
        }
        return new RequestHeaders(size == 0 ? NONE : Arrays.copyOf(kept, size));
    }

    /** The first value of {@code name} (case-insensitive), or {@code null}. */
    String get(String name) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                return namesAndValues[i + 1];
            }
        }
        return null;
    }

    /** The kept header names in request order (tests). */
    String[] names() {
        String[] names = new String[namesAndValues.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = namesAndValues[2 * i];
        }
        return names;
    }

    private static String nameOf(CharSequence name) {
        for (String common : COMMON_NAMES) {
            if (common.length() == name.length() && AsciiString.contentEqualsIgnoreCase(common, name)) {
                return common;
            }
        }
        return name.toString();
    }

    private static boolean isMechanics(CharSequence name) {
        return HttpHeaderNames.SEC_WEBSOCKET_KEY.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.SEC_WEBSOCKET_VERSION.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name);
    }
}
