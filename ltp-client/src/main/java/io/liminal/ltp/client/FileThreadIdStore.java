package io.liminal.ltp.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps ids in a JSON file, so a restarted process resumes its thread. Keys follow the reference client:
 * {@code ltp_thread_id:<client_id>}, {@code ltp_session_id:<client_id>}; generated client ids are kept under
 * {@code ltp_client_id:<scope>}.
 *
 * <p>Every change is written to a temporary file, forced to disk, and moved over the old one atomically, so a
 * crash leaves either the old or the new content, never a torn file. Safe for the threads of one process; give
 * each process its own file.
 */
public final class FileThreadIdStore implements ThreadIdStore {
    private final Path file;

    /** A store in {@code file} (created when first written; its directory must exist or be creatable). */
    public FileThreadIdStore(Path file) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
    }

    @Override
    public synchronized Optional<StoredSession> load(String clientId) {
        JsonObject content = read();
        String thread = string(content, "ltp_thread_id:" + clientId);
        return thread == null ? Optional.empty()
                : Optional.of(new StoredSession(thread, string(content, "ltp_session_id:" + clientId)));
    }

    @Override
    public synchronized void save(String clientId, StoredSession session) {
        JsonObject content = read();
        content.addProperty("ltp_thread_id:" + clientId, session.threadId());
        if (session.sessionId() != null) {
            content.addProperty("ltp_session_id:" + clientId, session.sessionId());
        }
        write(content);
    }

    @Override
    public synchronized void clear(String clientId) {
        JsonObject content = read();
        content.remove("ltp_thread_id:" + clientId);
        content.remove("ltp_session_id:" + clientId);
        write(content);
    }

    /** Key {@code ltp_delivery_cursor:<client_id>} holds {@code {"thread": ..., "seq": ...}} (one thread per client). */
    @Override
    public synchronized long deliveryCursor(String clientId, String threadId) {
        JsonElement value = read().get("ltp_delivery_cursor:" + clientId);
        if (value == null || !value.isJsonObject() || !threadId.equals(string(value.getAsJsonObject(), "thread"))) {
            return 0;
        }
        JsonElement seq = value.getAsJsonObject().get("seq");
        return seq != null && seq.isJsonPrimitive() ? seq.getAsLong() : 0;
    }

    @Override
    public synchronized void saveDeliveryCursor(String clientId, String threadId, long seq) {
        JsonObject content = read();
        JsonObject cursor = new JsonObject();
        cursor.addProperty("thread", threadId);
        cursor.addProperty("seq", seq);
        content.add("ltp_delivery_cursor:" + clientId, cursor);
        write(content);
    }

    @Override
    public synchronized String clientId(String scope, Supplier<String> generator) {
        JsonObject content = read();
        String key = "ltp_client_id:" + scope;
        String existing = string(content, key);
        if (existing != null) {
            return existing;
        }
        String generated = generator.get();
        content.addProperty(key, generated);
        write(content);
        return generated;
    }

    private JsonObject read() {
        if (!Files.exists(file)) {
            return new JsonObject();
        }
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            return parsed.isJsonObject() ? parsed.getAsJsonObject() : new JsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the thread id store " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("The thread id store " + file + " is not valid JSON", e);
        }
    }

    private void write(JsonObject content) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(StandardCharsets.UTF_8.encode(content.toString()));
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the thread id store " + file, e);
        }
    }

    private static String string(JsonObject content, String key) {
        JsonElement value = content.get(key);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }
}
