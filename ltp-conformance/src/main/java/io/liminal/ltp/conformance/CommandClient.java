package io.liminal.ltp.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A client under test run as an external process: any language, any SDK. The command gets the server URL where
 * it says {@code {url}} (or as its last argument), and the environment variable {@code LTP_CONFORMANCE_STATE_DIR}
 * names a directory where it must keep its client id and thread ids (so that a restart resumes). Stopping sends
 * SIGTERM, which the client must treat as its own disconnect; {@link #reset()} empties the directory.
 *
 * <pre>{@code
 * new CommandClient(List.of("node", "my-client.js", "{url}"), Path.of("/tmp/ltp-client-state"))
 * }</pre>
 */
public final class CommandClient implements ClientUnderTest {
    private final List<String> command;
    private final Path stateDirectory;
    private Process process;

    /**
     * @param command the command line; {@code {url}} is replaced by the server URL, else the URL is appended
     * @param stateDirectory where the client keeps its state (created if missing)
     */
    public CommandClient(List<String> command, Path stateDirectory) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        this.command = List.copyOf(command);
        this.stateDirectory = stateDirectory;
    }

    @Override
    public synchronized void start(URI url) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("The client is already running");
        }
        Files.createDirectories(stateDirectory);
        List<String> line = new ArrayList<>();
        boolean placed = false;
        for (String argument : command) {
            if (argument.contains("{url}")) {
                placed = true;
            }
            line.add(argument.replace("{url}", url.toString()));
        }
        if (!placed) {
            line.add(url.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(stateDirectory.resolveSibling(
                        stateDirectory.getFileName() + ".log").toFile()));
        builder.environment().put("LTP_CONFORMANCE_STATE_DIR", stateDirectory.toAbsolutePath().toString());
        process = builder.start();
    }

    @Override
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
    }

    @Override
    public synchronized void reset() throws IOException {
        if (!Files.exists(stateDirectory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(stateDirectory)) {
            paths.sorted(Comparator.reverseOrder()).filter(path -> !path.equals(stateDirectory)).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }
}
