package io.liminal.ltp.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Server mains of the end-to-end tests, run as processes of their own so that tests can kill them. */
public final class ServerProcesses {
    /** What a main prints once it listens. */
    static final String READY = "e2e server listening";

    private ServerProcesses() {
    }

    /**
     * Starts {@code main} with this JVM's class path and waits until it prints {@link #READY}. Its output goes on
     * to {@code log} (appended), so a failing test can show what the server said.
     */
    static Process start(Class<?> main, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return start(new ProcessBuilder(command), log, READY);
    }

    /**
     * Starts {@code builder}'s process and waits until a line of its output contains {@code ready}; its output goes
     * on to {@code log} (appended).
     */
    public static Process start(ProcessBuilder builder, Path log, String ready) throws IOException {
        Process process = builder.redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        PrintStream copy = new PrintStream(Files.newOutputStream(log, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND), true, StandardCharsets.UTF_8);
        String line;
        while ((line = out.readLine()) != null) {
            copy.println(line);
            if (line.contains(ready)) {
                Thread drain = new Thread(() -> {
                    try {
                        for (String rest = out.readLine(); rest != null; rest = out.readLine()) {
                            copy.println(rest);
                        }
                    } catch (IOException streamClosed) {
                        // the test killed the process: its output ends here
                    } finally {
                        copy.close();
                    }
                }, "server-output");
                drain.setDaemon(true);
                drain.start();
                return process;
            }
        }
        copy.close();
        throw new AssertionError("The server did not start:\n" + Files.readString(log));
    }
}
