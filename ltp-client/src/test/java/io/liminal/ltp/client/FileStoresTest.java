package io.liminal.ltp.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoresTest {
    @TempDir
    Path directory;

    @Test
    @DisplayName("FileThreadIdStore keeps ids and generated client ids across instances, under the reference key names")
    void threadIdStore() throws IOException {
        Path file = directory.resolve("ids/ltp.json");
        FileThreadIdStore store = new FileThreadIdStore(file);
        store.save("client-1", new StoredSession("t1", "s1"));
        String generated = store.clientId("ws://x/", () -> "client-generated");
        FileThreadIdStore reopened = new FileThreadIdStore(file);
        assertThat(reopened.load("client-1")).contains(new StoredSession("t1", "s1"));
        assertThat(reopened.clientId("ws://x/", () -> "other")).isEqualTo(generated);
        assertThat(Files.readString(file)).contains("\"ltp_thread_id:client-1\":\"t1\"", "\"ltp_session_id:client-1\":\"s1\"");
        reopened.clear("client-1");
        assertThat(new FileThreadIdStore(file).load("client-1")).isEmpty();
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    @DisplayName("FileMessageJournal keeps appended messages until removed, across reopen")
    void journalRoundTrip() {
        FileMessageJournal journal = FileMessageJournal.open(directory);
        journal.append(1, "{\"a\":1}");
        journal.append(2, "{\"a\":2}");
        journal.append(3, "{\"a\":3}");
        journal.removeThrough(1);
        journal.close();
        FileMessageJournal reopened = FileMessageJournal.open(directory, FileMessageJournal.Durability.POWER_LOSS);
        assertThat(reopened.load()).extracting(MessageJournal.Entry::sequence).containsExactly(2L, 3L);
        reopened.removeThrough(3);
        reopened.close();
        assertThat(FileMessageJournal.open(directory).load()).isEmpty();
    }

    @Test
    @DisplayName("a line cut short by a crash is ignored, and later appends still read back")
    void tornTail() throws IOException {
        FileMessageJournal journal = FileMessageJournal.open(directory);
        journal.append(1, "{\"a\":1}");
        journal.close();
        Files.writeString(directory.resolve("journal.log"), "A 2 {\"a\":", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        FileMessageJournal recovered = FileMessageJournal.open(directory);
        assertThat(recovered.load()).extracting(MessageJournal.Entry::message).containsExactly("{\"a\":1}");
        recovered.append(3, "{\"a\":3}");
        recovered.close();
        assertThat(FileMessageJournal.open(directory).load()).extracting(MessageJournal.Entry::sequence)
                .containsExactly(1L, 3L);
    }

    @Test
    @DisplayName("the journal compacts itself once most of the file is removed messages")
    void compaction() throws IOException {
        FileMessageJournal journal = FileMessageJournal.open(directory);
        String message = "{\"data\":\"" + "x".repeat(1_000) + "\"}";
        for (int i = 1; i <= 6_000; i++) {
            journal.append(i, message);
            if (i % 100 == 0) {
                journal.removeThrough(i - 1);
            }
        }
        assertThat(Files.size(directory.resolve("journal.log"))).isLessThan(4L * 1024 * 1024);
        List<MessageJournal.Entry> kept = journal.load();
        journal.close();
        assertThat(FileMessageJournal.open(directory).load()).isEqualTo(kept);
        assertThat(kept).extracting(MessageJournal.Entry::sequence).contains(6_000L).doesNotContain(5_000L);
    }
}
