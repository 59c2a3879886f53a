package io.liminal.ltp.conformance;

import io.liminal.ltp.client.FileThreadIdStore;
import io.liminal.ltp.client.LtpClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** ltp-client as a {@link ClientUnderTest}: a new LtpClient per start, its ids in a file that survives stops. */
final class LtpClientUnderTest implements ClientUnderTest {
    private final Path stateFile;
    private final UnaryOperator<LtpClient.Builder> configure;
    private LtpClient client;

    LtpClientUnderTest(Path directory) {
        this(directory, builder -> builder);
    }

    /** With extra configuration (a fixed client id, a deliberately wrong setting, ...). */
    LtpClientUnderTest(Path directory, UnaryOperator<LtpClient.Builder> configure) {
        this.stateFile = directory.resolve("ltp-client.json");
        this.configure = configure;
    }

    @Override
    public synchronized void start(URI url) {
        client = configure.apply(LtpClient.builder(url).threadIdStore(new FileThreadIdStore(stateFile))).build();
        client.connect();
    }

    @Override
    public synchronized void stop() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Override
    public void reset() throws IOException {
        Files.deleteIfExists(stateFile);
    }

    @Override
    public String toString() {
        return "ltp-client (in process)";
    }
}
