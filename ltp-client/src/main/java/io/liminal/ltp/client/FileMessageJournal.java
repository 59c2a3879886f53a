package io.liminal.ltp.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * A {@link MessageJournal} in one append-only file: {@code A <seq> <json>} lines for kept messages,
 * {@code R <seq>} lines for removals and an {@code H <seq>} high-water mark after compaction; the client instance id
 * sits beside it in {@code instance}. A line cut short by a crash is ignored on load. When the file has grown past
 * 4 MiB and most of it is removed messages, it is rewritten with only the kept ones and moved into place
 * atomically.
 *
 * <p>{@link Durability#PROCESS_CRASH} (the default) hands every write to the operating system, which survives the
 * process dying; {@link Durability#POWER_LOSS} also forces every append to the disk, which survives the machine
 * losing power but costs a disk flush per message.
 */
public final class FileMessageJournal implements MessageJournal {
    private static final long COMPACT_AFTER_BYTES = 4L * 1024 * 1024;

    /** How far a write must get before the call returns. */
    public enum Durability {
        /** Into the operating system's page cache. */
        PROCESS_CRASH,
        /** Onto the disk ({@code fsync} per append). */
        POWER_LOSS
    }

    private final Path file;
    private final Durability durability;
    private final Deque<Entry> kept = new ArrayDeque<>();
    private FileChannel channel;
    private long keptBytes;
    private long highest;
    private String instanceId;

    private FileMessageJournal(Path file, Durability durability) {
        this.file = file;
        this.durability = durability;
    }

    /** Opens (or creates) {@code journal.log} in {@code directory}. */
    public static FileMessageJournal open(Path directory, Durability durability) {
        Objects.requireNonNull(durability, "durability");
        try {
            Files.createDirectories(directory);
            FileMessageJournal journal = new FileMessageJournal(directory.resolve("journal.log"), durability);
            journal.instanceId = instanceId(directory.resolve("instance"));
            journal.replay();
            journal.channel = FileChannel.open(journal.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the message journal in " + directory, e);
        }
    }

    /** Opens with {@link Durability#PROCESS_CRASH}. */
    public static FileMessageJournal open(Path directory) {
        return open(directory, Durability.PROCESS_CRASH);
    }

    /** The id is created once per journal directory, so a restarted client continues its numbering. */
    private static String instanceId(Path file) throws IOException {
        if (Files.exists(file)) {
            String existing = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!existing.isEmpty()) {
                return existing;
            }
        }
        String created = java.util.UUID.randomUUID().toString();
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, created, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return created;
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public synchronized long lastSequence() {
        return highest;
    }

    @Override
    public synchronized List<Entry> load() {
        return new ArrayList<>(kept);
    }

    @Override
    public synchronized void append(long sequence, String message) {
        if (message.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("journal entries must be single-line JSON");
        }
        write("A " + sequence + " " + message + "\n", durability == Durability.POWER_LOSS);
        highest = Math.max(highest, sequence);
        kept.addLast(new Entry(sequence, message));
        keptBytes += message.length();
    }

    @Override
    public synchronized void removeThrough(long sequence) {
        boolean removed = false;
        while (!kept.isEmpty() && kept.peekFirst().sequence() <= sequence) {
            keptBytes -= kept.removeFirst().message().length();
            removed = true;
        }
        if (!removed) {
            return;
        }
        write("R " + sequence + "\n", false);
        compactIfWorthIt();
    }

    @Override
    public synchronized void close() {
        try {
            if (channel != null) {
                channel.force(true);
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void replay() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        long removedThrough = Long.MIN_VALUE;
        List<Entry> appended = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--; // a line cut short by a crash
        }
        try (BufferedReader lines = new BufferedReader(new java.io.StringReader(
                new String(bytes, 0, end, StandardCharsets.UTF_8)))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("A ")) {
                    int space = line.indexOf(' ', 2);
                    Entry entry = new Entry(Long.parseLong(line.substring(2, space)), line.substring(space + 1));
                    appended.add(entry);
                    highest = Math.max(highest, entry.sequence());
                } else if (line.startsWith("R ")) {
                    removedThrough = Math.max(removedThrough, Long.parseLong(line.substring(2).trim()));
                    highest = Math.max(highest, removedThrough);
                } else if (line.startsWith("H ")) {
                    highest = Math.max(highest, Long.parseLong(line.substring(2).trim()));
                }
            }
        }
        for (Entry entry : appended) {
            if (entry.sequence() > removedThrough) {
                kept.addLast(entry);
                keptBytes += entry.message().length();
            }
        }
        if (end != bytes.length) {
            rewrite(); // drop the torn tail so new lines start clean
        }
    }

    private void write(String line, boolean force) {
        try {
            ByteBuffer buffer = StandardCharsets.UTF_8.encode(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (force) {
                channel.force(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the message journal " + file, e);
        }
    }

    private void compactIfWorthIt() {
        try {
            long size = channel.size();
            if (size > COMPACT_AFTER_BYTES && keptBytes < size / 4) {
                channel.close();
                rewrite();
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot compact the message journal " + file, e);
        }
    }

    private void rewrite() throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".compact");
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // The high-water mark survives compaction, so numbering never restarts (delivery extension).
            ByteBuffer mark = StandardCharsets.UTF_8.encode("H " + highest + "\n");
            while (mark.hasRemaining()) {
                out.write(mark);
            }
            for (Entry entry : kept) {
                ByteBuffer buffer = StandardCharsets.UTF_8.encode("A " + entry.sequence() + " " + entry.message() + "\n");
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            out.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
