package io.liminal.ltp.examples;

import io.liminal.ltp.client.FileThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A client for a production server: {@code wss://} with the server's certificate in a trust store, a bearer token
 * for authentication, and ids kept in a file so that a restarted process resumes its thread.
 *
 * <pre>bin/ltp-example secure-client wss://ltp.example.com/ truststore.p12 changeit eyJhbGciOi...</pre>
 */
public final class SecureClient {
    private SecureClient() {
    }

    /** The client of the example, not yet connected. */
    public static LtpClient build(URI url, Path trustStore, char[] password, String token, Path idsFile) {
        // tag::secure-client[]
        return LtpClient.builder(url)                                // wss://...
                .trustStore(trustStore, password, "PKCS12")         // or .sslContext(yourSslContext)
                .authToken(token)                                   // sent as metadata.auth_token (§11.6)
                .header("X-Request-Source", "ltp-example")          // extra upgrade headers, if a proxy wants them
                .threadIdStore(new FileThreadIdStore(idsFile))      // client id and thread survive restarts
                .build();
        // end::secure-client[]
    }

    /** Entry point: {@code <wss-url> <trust store> <password> <token>}. */
    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("Usage: secure-client <wss-url> <pkcs12 trust store> <password> <token>");
            System.exit(2);
            return;
        }
        try (LtpClient client = build(URI.create(args[0]), Path.of(args[1]), args[2].toCharArray(), args[3],
                Path.of("ltp-client-ids.json"))) {
            client.connect().get(15, TimeUnit.SECONDS);
            System.out.println("connected over TLS, thread " + client.threadId());
        }
    }
}
