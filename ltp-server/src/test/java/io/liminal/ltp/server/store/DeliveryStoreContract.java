package io.liminal.ltp.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.liminal.ltp.server.store.DeliveryStore.DeliveryPosition;
import io.liminal.ltp.server.store.DeliveryStore.InboundCursor;
import io.liminal.ltp.server.store.DeliveryStore.LogBounds;
import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link DeliveryStore} must have. Extend it and return a fresh, empty store (that is both a
 * {@link ThreadStore} and a {@link DeliveryStore}) from {@link #newStore()}.
 */
public abstract class DeliveryStoreContract {
    protected static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final DeliveryRetention ROOMY = new DeliveryRetention(100_000, 1L << 30, Duration.ofDays(1));

    protected ThreadStore threads;
    protected DeliveryStore delivery;

    /** A fresh, empty store implementing both interfaces. */
    protected abstract ThreadStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        threads = newStore();
        delivery = (DeliveryStore) threads;
    }

    @AfterEach
    void closeStore() {
        threads.close();
    }

    private String newThread() {
        String id = UUID.randomUUID().toString();
        threads.create(ThreadRecord.create(id, "client-1", null, T0));
        return id;
    }

    @Test
    @DisplayName("delivery is off until opened, per thread; opening an unknown thread does nothing")
    void enable() {
        String thread = newThread();
        String other = newThread();
        assertThat(delivery.deliveryEnabled(thread)).isFalse();
        assertThat(delivery.openDelivery(thread, "a", "run-1", T0)).isNotNull();
        assertThat(delivery.deliveryEnabled(thread)).isTrue();
        assertThat(delivery.deliveryEnabled(other)).isFalse();
        assertThat(delivery.openDelivery("no-such-thread", "a", "run-1", T0)).isNull();
        assertThat(delivery.deliveryEnabled("no-such-thread")).isFalse();
    }

    @Test
    @DisplayName("opening gives an instance a position owned by the opening run once, and reads both directions")
    void open() {
        String thread = newThread();
        DeliveryPosition fresh = delivery.openDelivery(thread, "a", "run-1", T0);
        assertThat(fresh.inbound()).isEqualTo(new InboundCursor(0, "run-1"));
        assertThat(fresh.outbound()).isEqualTo(LogBounds.EMPTY);
        assertThat(delivery.inboundCursor(thread, "a")).isEqualTo(new InboundCursor(0, "run-1"));

        delivery.appendOutbound(thread, "{\"n\":1}", null, T0, ROOMY);
        delivery.appendOutbound(thread, "{\"n\":2}", null, T0, ROOMY);
        delivery.commit(thread, List.of(), new Processed("a", 7, "run-2"), T0, ROOMY);
        DeliveryPosition again = delivery.openDelivery(thread, "a", "run-3", T0);
        assertThat(again.inbound()).as("an existing position keeps its writer").isEqualTo(
                new InboundCursor(7, "run-2"));
        assertThat(again.outbound()).isEqualTo(new LogBounds(1, 2));
        assertThat(delivery.openDelivery(thread, "b", "run-3", T0).inbound()).isEqualTo(new InboundCursor(0, "run-3"));
    }

    @Test
    @DisplayName("a commit logs several messages under consecutive numbers and moves the position with them")
    void commitIsOneStep() {
        String thread = newThread();
        delivery.appendOutbound(thread, "{\"before\":1}", null, T0, ROOMY);
        long first = delivery.commit(thread, List.of(new Outbound("{\"r\":1}", "a"), new Outbound("{\"r\":2}", null),
                new Outbound("{\"r\":3}", "a")), new Processed("a", 4, "run-1"), T0, ROOMY);
        assertThat(first).isEqualTo(2);
        assertThat(delivery.outboundAfter(thread, 1, 10)).extracting(LoggedMessage::seq, LoggedMessage::message,
                LoggedMessage::targetInstance).containsExactly(
                        tuple(2L, "{\"r\":1}", "a"),
                        tuple(3L, "{\"r\":2}", null),
                        tuple(4L, "{\"r\":3}", "a"));
        assertThat(delivery.inboundCursor(thread, "a")).isEqualTo(new InboundCursor(4, "run-1"));

        assertThat(delivery.commit(thread, List.of(), new Processed("a", 5, "run-2"), T0, ROOMY))
                .as("nothing appended").isZero();
        assertThat(delivery.inboundCursor(thread, "a")).isEqualTo(new InboundCursor(5, "run-2"));
        assertThat(delivery.outboundBounds(thread)).isEqualTo(new LogBounds(1, 4));
    }

    @Test
    @DisplayName("a commit to a thread that is gone stores nothing, neither messages nor position")
    void commitToAMissingThread() {
        assertThat(delivery.commit("no-such-thread", List.of(new Outbound("{}", null)),
                new Processed("a", 3, "run-1"), T0, ROOMY)).isZero();
        assertThat(delivery.inboundCursor("no-such-thread", "a")).isEqualTo(InboundCursor.NONE);
        assertThat(delivery.outboundAfter("no-such-thread", 0, 10)).isEmpty();
        assertThat(delivery.commit("no-such-thread", List.of(), new Processed("a", 3, "run-1"), T0, ROOMY)).isZero();
        assertThat(delivery.inboundCursor("no-such-thread", "a")).isEqualTo(InboundCursor.NONE);
    }

    @Test
    @DisplayName("a commit's messages are trimmed by retention like single appends")
    void commitTrims() {
        String thread = newThread();
        DeliveryRetention three = new DeliveryRetention(3, 1L << 30, Duration.ofDays(1));
        List<Outbound> five = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            five.add(new Outbound("{\"n\":" + i + "}", null));
        }
        assertThat(delivery.commit(thread, five, null, T0, three)).isEqualTo(1);
        assertThat(delivery.outboundBounds(thread)).isEqualTo(new LogBounds(3, 5));
    }

    @Test
    @DisplayName("a group of commits stores each as a commit alone would: numbers, rows, positions, missing threads")
    void commitAllIsEachCommit() {
        String one = newThread();
        String two = newThread();
        delivery.appendOutbound(two, "{\"before\":1}", null, T0, ROOMY);
        Instant later = T0.plusSeconds(1);
        long[] firsts = delivery.commitAll(List.of(
                new DeliveryStore.Commit(one, List.of(new Outbound("{\"r\":1}", "a"), new Outbound("{\"r\":2}", null)),
                        new Processed("a", 7, "run-1"), T0, ROOMY),
                new DeliveryStore.Commit(two, List.of(new Outbound("{\"r\":3}", "b")), new Processed("b", 2, "run-1"),
                        T0, ROOMY),
                new DeliveryStore.Commit("no-such-thread", List.of(new Outbound("{}", null)),
                        new Processed("a", 3, "run-1"), T0, ROOMY),
                new DeliveryStore.Commit(one, List.of(new Outbound("{\"r\":4}", null)), null, later, ROOMY),
                new DeliveryStore.Commit(two, List.of(), new Processed("c", 5, "run-2"), later, ROOMY),
                new DeliveryStore.Commit(one, List.of(), new Processed("a", 6, "run-2"), later, ROOMY)));

        assertThat(firsts).containsExactly(1, 2, 0, 3, 0, 0);
        assertThat(delivery.outboundAfter(one, 0, 10)).extracting(LoggedMessage::seq, LoggedMessage::message,
                LoggedMessage::targetInstance, LoggedMessage::loggedAt).containsExactly(
                        tuple(1L, "{\"r\":1}", "a", T0),
                        tuple(2L, "{\"r\":2}", null, T0),
                        tuple(3L, "{\"r\":4}", null, later));
        assertThat(delivery.outboundAfter(two, 1, 10)).extracting(LoggedMessage::seq, LoggedMessage::message)
                .containsExactly(tuple(2L, "{\"r\":3}"));
        assertThat(delivery.inboundCursor(one, "a")).as("a later, lower position does not lower it")
                .isEqualTo(new InboundCursor(7, "run-1"));
        assertThat(delivery.inboundCursor(two, "b")).isEqualTo(new InboundCursor(2, "run-1"));
        assertThat(delivery.inboundCursor(two, "c")).isEqualTo(new InboundCursor(5, "run-2"));
        assertThat(delivery.inboundCursor("no-such-thread", "a")).isEqualTo(InboundCursor.NONE);
        assertThat(delivery.outboundBounds(one)).isEqualTo(new LogBounds(1, 3));
        assertThat(delivery.commit(one, List.of(new Outbound("{}", null)), null, later, ROOMY))
                .as("numbers go on after the group").isEqualTo(4);
    }

    @Test
    @DisplayName("a group of commits trims each thread's log by its retention")
    void commitAllTrims() {
        String counted = newThread();
        String aged = newThread();
        String kept = newThread();
        DeliveryRetention three = new DeliveryRetention(3, 1L << 30, Duration.ofDays(1));
        DeliveryRetention minute = new DeliveryRetention(100, 1L << 30, Duration.ofMinutes(1));
        delivery.commit(counted, List.of(new Outbound("{\"n\":1}", null), new Outbound("{\"n\":2}", null)), null, T0,
                three);
        delivery.appendOutbound(aged, "{\"old\":1}", null, T0, minute);
        delivery.appendOutbound(kept, "{\"old\":1}", null, T0, ROOMY);
        Instant later = T0.plus(Duration.ofMinutes(2));
        delivery.commitAll(List.of(
                new DeliveryStore.Commit(counted, List.of(new Outbound("{\"n\":3}", null), new Outbound("{\"n\":4}",
                        null)), null, T0, three),
                new DeliveryStore.Commit(aged, List.of(new Outbound("{\"new\":2}", null)), null, later, minute),
                new DeliveryStore.Commit(kept, List.of(new Outbound("{\"new\":2}", null)), null, later, ROOMY),
                new DeliveryStore.Commit(counted, List.of(new Outbound("{\"n\":5}", null)), null, T0, three)));
        assertThat(delivery.outboundBounds(counted)).isEqualTo(new LogBounds(3, 5));
        assertThat(delivery.outboundAfter(counted, 0, 10)).extracting(LoggedMessage::seq).containsExactly(3L, 4L, 5L);
        assertThat(delivery.outboundBounds(aged)).isEqualTo(new LogBounds(2, 2));
        assertThat(delivery.outboundBounds(kept)).isEqualTo(new LogBounds(1, 2));
    }

    @Test
    @DisplayName("a group trims several long logs at once, each to its own bound")
    void commitAllTrimsLongLogs() {
        String counted = newThread();
        String sized = newThread();
        String hundredBytes = "{\"p\":\"" + "y".repeat(92) + "\"}";
        for (int i = 0; i < 150; i++) {
            delivery.appendOutbound(counted, "{\"n\":" + i + "}", null, T0, ROOMY);
            delivery.appendOutbound(sized, hundredBytes, null, T0, ROOMY);
        }
        DeliveryRetention ten = new DeliveryRetention(10, 1L << 30, Duration.ofDays(1));
        DeliveryRetention kilobyte = new DeliveryRetention(1_000, 1_000, Duration.ofDays(1));
        delivery.commitAll(List.of(
                new DeliveryStore.Commit(counted, List.of(new Outbound("{\"n\":150}", null)), null, T0, ten),
                new DeliveryStore.Commit(sized, List.of(new Outbound(hundredBytes, null)), null, T0, kilobyte)));
        assertThat(delivery.outboundBounds(counted)).isEqualTo(new LogBounds(142, 151));
        assertThat(delivery.outboundBounds(sized)).isEqualTo(new LogBounds(142, 151));
        delivery.commitAll(List.of(
                new DeliveryStore.Commit(sized, List.of(new Outbound(hundredBytes, null)), null, T0, kilobyte),
                new DeliveryStore.Commit(counted, List.of(new Outbound("{}", null)), null, T0, ten)));
        assertThat(delivery.outboundBounds(sized)).as("the bytes of the cut rows left the log's count")
                .isEqualTo(new LogBounds(143, 152));
        assertThat(delivery.outboundBounds(counted)).isEqualTo(new LogBounds(143, 152));
    }

    @Test
    @DisplayName("clean stops are remembered per server run")
    void cleanStops() {
        assertThat(delivery.stoppedCleanly("run-1")).isFalse();
        delivery.recordCleanStop("run-1", T0);
        assertThat(delivery.stoppedCleanly("run-1")).isTrue();
        assertThat(delivery.stoppedCleanly("run-2")).isFalse();
    }

    @Test
    @DisplayName("appends are numbered 1, 2, 3 per thread and read back in order with their target")
    void appendAndRead() {
        String thread = newThread();
        String other = newThread();
        assertThat(delivery.outboundBounds(thread)).isEqualTo(LogBounds.EMPTY);
        assertThat(delivery.appendOutbound(thread, "{\"n\":1}", null, T0, ROOMY)).isEqualTo(1);
        assertThat(delivery.appendOutbound(thread, "{\"n\":2,\"text\":\"é😀\"}", "instance-a", T0.plusSeconds(1),
                ROOMY)).isEqualTo(2);
        assertThat(delivery.appendOutbound(other, "{\"other\":1}", null, T0, ROOMY)).isEqualTo(1);
        assertThat(delivery.appendOutbound(thread, "{\"n\":3}", null, T0.plusSeconds(2), ROOMY)).isEqualTo(3);
        assertThat(delivery.outboundBounds(thread)).isEqualTo(new LogBounds(1, 3));
        List<LoggedMessage> all = delivery.outboundAfter(thread, 0, 100);
        assertThat(all).extracting(LoggedMessage::seq).containsExactly(1L, 2L, 3L);
        assertThat(all.get(1).message()).isEqualTo("{\"n\":2,\"text\":\"é😀\"}");
        assertThat(all.get(1).targetInstance()).isEqualTo("instance-a");
        assertThat(all.get(0).targetInstance()).isNull();
        assertThat(all.get(1).loggedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(delivery.outboundAfter(thread, 1, 1)).extracting(LoggedMessage::seq).containsExactly(2L);
        assertThat(delivery.outboundAfter(thread, 3, 100)).isEmpty();
        assertThat(delivery.appendOutbound("no-such-thread", "{}", null, T0, ROOMY)).isZero();
    }

    @Test
    @DisplayName("a big message survives the round trip unchanged")
    void bigMessage() {
        String thread = newThread();
        String big = "{\"data\":\"" + "x".repeat(200_000) + "\"}";
        delivery.appendOutbound(thread, big, null, T0, ROOMY);
        assertThat(delivery.outboundAfter(thread, 0, 10).get(0).message()).isEqualTo(big);
    }

    @Test
    @DisplayName("retention by count trims the oldest; numbers are never reused")
    void retentionByCount() {
        String thread = newThread();
        DeliveryRetention two = new DeliveryRetention(2, 1L << 30, Duration.ofDays(1));
        for (int i = 1; i <= 5; i++) {
            assertThat(delivery.appendOutbound(thread, "{\"n\":" + i + "}", null, T0, two)).isEqualTo(i);
        }
        assertThat(delivery.outboundBounds(thread)).isEqualTo(new LogBounds(4, 5));
        assertThat(delivery.outboundAfter(thread, 0, 100)).extracting(LoggedMessage::seq).containsExactly(4L, 5L);
    }

    @Test
    @DisplayName("retention by bytes keeps the newest messages that fit")
    void retentionByBytes() {
        String thread = newThread();
        DeliveryRetention small = new DeliveryRetention(1_000, 250, Duration.ofDays(1));
        String hundredBytes = "{\"p\":\"" + "y".repeat(92) + "\"}";
        assertThat(hundredBytes).hasSize(100);
        for (int i = 0; i < 5; i++) {
            delivery.appendOutbound(thread, hundredBytes, null, T0, small);
        }
        assertThat(delivery.outboundAfter(thread, 0, 100)).extracting(LoggedMessage::seq).containsExactly(4L, 5L);
    }

    @Test
    @DisplayName("retention by bytes counts UTF-8 bytes, not characters")
    void retentionByBytesIsUtf8() {
        String thread = newThread();
        DeliveryRetention small = new DeliveryRetention(1_000, 250, Duration.ofDays(1));
        String hundredBytes = "{\"p\":\"" + "é".repeat(42) + "😀" + "\"}"; // 8 + 84 + 4 bytes, 52 chars
        assertThat(hundredBytes.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(96);
        for (int i = 0; i < 5; i++) {
            delivery.appendOutbound(thread, hundredBytes, null, T0, small);
        }
        assertThat(delivery.outboundAfter(thread, 0, 100)).extracting(LoggedMessage::seq).containsExactly(4L, 5L);
    }

    @Test
    @DisplayName("retention by age drops messages older than the limit")
    void retentionByAge() {
        String thread = newThread();
        DeliveryRetention hour = new DeliveryRetention(1_000, 1L << 30, Duration.ofHours(1));
        delivery.appendOutbound(thread, "{\"n\":1}", null, T0, hour);
        delivery.appendOutbound(thread, "{\"n\":2}", null, T0.plus(Duration.ofMinutes(30)), hour);
        delivery.appendOutbound(thread, "{\"n\":3}", null, T0.plus(Duration.ofMinutes(90)), hour);
        assertThat(delivery.outboundAfter(thread, 0, 100)).extracting(LoggedMessage::seq).containsExactly(2L, 3L);
    }

    @Test
    @DisplayName("an emptied log still knows its last number: a client behind it sees the gap")
    void trimmedToEmpty() {
        String thread = newThread();
        DeliveryRetention minute = new DeliveryRetention(1_000, 1L << 30, Duration.ofMinutes(1));
        delivery.appendOutbound(thread, "{\"n\":1}", null, T0, minute);
        delivery.appendOutbound(thread, "{\"n\":2}", null, T0, minute);
        delivery.appendOutbound(thread, "{\"n\":3}", null, T0.plusSeconds(3600), minute);
        assertThat(delivery.outboundBounds(thread)).isEqualTo(new LogBounds(3, 3));
    }

    private void commitInbound(String thread, String instance, long seq, String processId) {
        delivery.commit(thread, List.of(), new Processed(instance, seq, processId), T0, ROOMY);
    }

    @Test
    @DisplayName("inbound positions are per thread and instance, never go back, and keep who wrote them")
    void cursors() {
        String thread = newThread();
        String other = newThread();
        assertThat(delivery.inboundCursor(thread, "a")).isEqualTo(InboundCursor.NONE);
        commitInbound(thread, "a", 5, "run-1");
        commitInbound(thread, "a", 3, "run-2");
        commitInbound(thread, "b", 7, "run-1");
        commitInbound(other, "a", 9, "run-1");
        assertThat(delivery.inboundCursor(thread, "a")).as("a lower position changes nothing, writer included")
                .isEqualTo(new InboundCursor(5, "run-1"));
        assertThat(delivery.inboundCursor(thread, "b")).isEqualTo(new InboundCursor(7, "run-1"));
        assertThat(delivery.inboundCursor(other, "a")).isEqualTo(new InboundCursor(9, "run-1"));
        commitInbound(thread, "a", 6, "run-2");
        assertThat(delivery.inboundCursor(thread, "a")).isEqualTo(new InboundCursor(6, "run-2"));
    }

    @Test
    @DisplayName("deleting or evicting a thread deletes its log, cursors and flag")
    void deletion() {
        String deleted = newThread();
        delivery.openDelivery(deleted, "a", "run-1", T0);
        delivery.appendOutbound(deleted, "{}", null, T0, ROOMY);
        commitInbound(deleted, "a", 4, "run-1");
        threads.delete(deleted);
        assertThat(delivery.deliveryEnabled(deleted)).isFalse();
        assertThat(delivery.outboundAfter(deleted, 0, 10)).isEmpty();
        assertThat(delivery.outboundBounds(deleted)).isEqualTo(LogBounds.EMPTY);
        assertThat(delivery.inboundCursor(deleted, "a")).isEqualTo(InboundCursor.NONE);

        String idle = newThread();
        delivery.openDelivery(idle, "a", "run-1", T0);
        delivery.appendOutbound(idle, "{}", null, T0, ROOMY);
        threads.evictIdleBefore(T0.plusSeconds(60));
        assertThat(threads.find(idle)).isEmpty();
        assertThat(delivery.outboundAfter(idle, 0, 10)).isEmpty();
    }

    @Test
    @DisplayName("concurrent appends to one thread get distinct consecutive numbers")
    void concurrentAppends() throws Exception {
        String thread = newThread();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    List<Long> seqs = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        seqs.add(delivery.appendOutbound(thread, "{}", null, T0, ROOMY));
                    }
                    return seqs;
                }));
            }
            start.countDown();
            Set<Long> all = new HashSet<>();
            for (Future<List<Long>> future : futures) {
                all.addAll(future.get(60, TimeUnit.SECONDS));
            }
            assertThat(all).hasSize(400).allSatisfy(seq -> assertThat(seq).isBetween(1L, 400L));
            assertThat(delivery.outboundAfter(thread, 0, 1_000)).hasSize(400);
        } finally {
            pool.shutdownNow();
        }
    }
}
