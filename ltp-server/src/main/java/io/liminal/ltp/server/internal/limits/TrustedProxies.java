package io.liminal.ltp.server.internal.limits;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The load balancers and proxies whose {@code X-Forwarded-For} the server believes, as CIDR blocks. Behind them,
 * limits per address apply to the client's address (the rightmost forwarded address that is not itself a trusted
 * proxy), not to the proxy's; a header from anyone else is ignored, since any peer can write one.
 */
public final class TrustedProxies {
    /** Nobody: every limit per address applies to the TCP peer. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Block> blocks;

    private TrustedProxies(List<Block> blocks) {
        this.blocks = blocks;
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code ::1/128}, {@code fd00::/8}: literal addresses only (no
     * host names, so nothing is looked up).
     *
     * @throws IllegalArgumentException naming the entry that is not a literal address or block
     */
    public static TrustedProxies of(List<String> cidrs) {
        List<Block> blocks = new ArrayList<>();
        for (String cidr : cidrs) {
            String entry = cidr.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = literal(address);
            if (bytes == null) {
                throw new IllegalArgumentException("not a literal IP address or CIDR block: '" + entry + "'");
            }
            int bits;
            try {
                bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + entry + "'");
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix length in '" + entry + "'");
            }
            blocks.add(new Block(bytes, bits));
        }
        return blocks.isEmpty() ? NONE : new TrustedProxies(List.copyOf(blocks));
    }

    /** Whether any proxy is trusted. */
    public boolean any() {
        return !blocks.isEmpty();
    }

    /** Whether the peer is a trusted proxy. */
    public boolean contains(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                && contains(inet.getAddress().getAddress());
    }

    private boolean contains(byte[] address) {
        for (Block block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The address limits per address are charged to: the TCP peer, or behind a trusted proxy the rightmost
     * {@code X-Forwarded-For} entry that is not a trusted proxy. IPv6 addresses count per /64 (one host usually owns a
     * whole /64, so single addresses would be free to rotate).
     */
    public String clientKey(SocketAddress peer, Function<String, String> requestHeader) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return String.valueOf(peer);
        }
        byte[] address = inet.getAddress().getAddress();
        if (requestHeader != null && contains(address)) {
            String forwarded = requestHeader.apply("X-Forwarded-For");
            if (forwarded != null) {
                String[] hops = forwarded.split(",");
                for (int i = hops.length - 1; i >= 0; i--) {
                    byte[] hop = literal(hops[i].trim());
                    if (hop == null) {
                        break; // garbage from the client's side: fall back to the last trusted hop we saw
                    }
                    address = hop;
                    if (!contains(hop)) {
                        break;
                    }
                }
            }
        }
        return key(address);
    }

    /** The key of a TCP peer for limits per address: its IP, per /64 for IPv6 (no proxy header considered). */
    public static String addressKey(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return String.valueOf(peer);
        }
        return key(inet.getAddress().getAddress());
    }

    private static String key(byte[] address) {
        if (address.length == 16) {
            byte[] prefix = new byte[16];
            System.arraycopy(address, 0, prefix, 0, 8);
            address = prefix;
        }
        try {
            String text = InetAddress.getByAddress(address).getHostAddress();
            return address.length == 16 ? text + "/64" : text;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    /** The bytes of a literal IPv4 or IPv6 address, or {@code null}; never a DNS lookup. */
    static byte[] literal(String text) {
        if (text.isEmpty() || text.length() > 45) {
            return null;
        }
        boolean ipv4 = true;
        boolean ipv6 = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            ipv4 &= c >= '0' && c <= '9' || c == '.';
            ipv6 &= c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
        }
        if (!(ipv4 && text.chars().filter(ch -> ch == '.').count() == 3 || ipv6 && text.indexOf(':') >= 0)) {
            return null;
        }
        try {
            return InetAddress.getByName(text).getAddress(); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private record Block(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }
}
