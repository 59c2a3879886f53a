package io.liminal.ltp.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackedLogTest {
    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

    @Test
    void readsBackWhatWasAppendedFromAnyPoint() {
        PackedLog log = new PackedLog();
        log.append("{\"a\":1}", null, T0);
        log.append("h\u00e9llo \ud83d\ude00", "instance-1", T0.plusMillis(5));
        log.append("", null, T0.plusSeconds(1));

        assertThat(log.firstSeq()).isEqualTo(1);
        assertThat(log.size()).isEqualTo(3);
        assertThat(log.bytes()).isEqualTo(7 + "h\u00e9llo \ud83d\ude00".getBytes(StandardCharsets.UTF_8).length);
        assertThat(log.after(0, 10)).containsExactly(
                new LoggedMessage(1, "{\"a\":1}", null, T0),
                new LoggedMessage(2, "h\u00e9llo \ud83d\ude00", "instance-1", T0.plusMillis(5)),
                new LoggedMessage(3, "", null, T0.plusSeconds(1)));
        assertThat(log.after(1, 1)).extracting(LoggedMessage::seq).containsExactly(2L);
        assertThat(log.after(3, 10)).isEmpty();
        assertThat(log.after(-5, 10)).hasSize(3);
    }

    @Test
    void trimmingFreesChunksAndTheRing() {
        PackedLog log = new PackedLog();
        String message = "x".repeat(1000);
        for (int i = 0; i < 1000; i++) {
            log.append(message, null, T0);
        }
        int chunksWhenFull = log.chunkCount();
        assertThat(chunksWhenFull).isGreaterThan(30); // ~1 MB in chunks of at most 32 KiB
        while (log.size() > 1) {
            log.removeOldest();
        }
        assertThat(log.chunkCount()).isEqualTo(1);
        assertThat(log.capacity()).isLessThanOrEqualTo(32);
        assertThat(log.bytes()).isEqualTo(1000);
        assertThat(log.firstSeq()).isEqualTo(1000);
        assertThat(log.after(0, 5)).extracting(LoggedMessage::seq).containsExactly(1000L);
    }

    @Test
    void aMessageLargerThanAChunkGetsItsOwn() {
        PackedLog log = new PackedLog();
        String large = "y".repeat(PackedLog.MAX_CHUNK * 2 + 3);
        log.append("small", null, T0);
        log.append(large, null, T0);
        log.append("after", null, T0);
        assertThat(log.after(0, 3)).extracting(LoggedMessage::message).containsExactly("small", large, "after");
    }

    /** Random appends, trims and reads against a plain list of the same messages. */
    @Test
    void behavesLikeAQueueOfMessages() {
        Random random = new Random(20261207);
        PackedLog log = new PackedLog();
        ArrayDeque<LoggedMessage> model = new ArrayDeque<>();
        long next = 1;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 6) {
                String text = "m" + next + "-" + "z\u00fc".repeat(random.nextInt(random.nextInt(50) == 0 ? 20_000 : 40));
                String target = random.nextBoolean() ? null : "i" + random.nextInt(3);
                Instant at = T0.plusMillis(next);
                log.append(text, target, at);
                model.addLast(new LoggedMessage(next++, text, target, at));
            } else if (op < 9 && !model.isEmpty()) {
                int n = random.nextInt(Math.min(model.size(), 30) + 1);
                for (int i = 0; i < n; i++) {
                    log.removeOldest();
                    model.removeFirst();
                }
            } else {
                long after = next - 1 - random.nextInt(200);
                int limit = 1 + random.nextInt(100);
                assertThat(log.after(after, limit)).isEqualTo(expected(model, after, limit));
            }
            assertThat(log.size()).isEqualTo(model.size());
            assertThat(log.firstSeq()).isEqualTo(model.isEmpty() ? next : model.peekFirst().seq());
            if (!model.isEmpty()) {
                assertThat(log.oldestLoggedAtMillis()).isEqualTo(model.peekFirst().loggedAt().toEpochMilli());
            }
        }
        assertThat(log.bytes()).isEqualTo(model.stream()
                .mapToLong(m -> m.message().getBytes(StandardCharsets.UTF_8).length).sum());
    }

    private static List<LoggedMessage> expected(ArrayDeque<LoggedMessage> model, long after, int limit) {
        List<LoggedMessage> expected = new ArrayList<>();
        for (LoggedMessage message : model) {
            if (message.seq() > after && expected.size() < limit) {
                expected.add(message);
            }
        }
        return expected;
    }
}
