package io.liminal.ltp.server.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.internal.metrics.ServerMetrics;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GroupCommitterTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private final ArrayDeque<Runnable> writer = new ArrayDeque<>();
    private final List<Integer> groups = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ServerMetrics metrics = new ServerMetrics(registry, () -> 0, () -> 0, () -> 0, () -> 0);
    private boolean failing;

    private final InMemoryThreadStore memory = new InMemoryThreadStore();
    private final ForwardingStore store = new ForwardingStore(memory) {
        @Override
        public long[] commitAll(List<Commit> commits) {
            groups.add(commits.size());
            if (failing) {
                throw new IllegalStateException("store down");
            }
            return super.commitAll(commits);
        }
    };

    private Commit commit(String thread) {
        return new Commit(thread, List.of(new Outbound("{}", null)), null, T0, DeliveryRetention.DEFAULT);
    }

    private GroupCommitter committer() {
        metrics.groupCommits();
        return new GroupCommitter(store, writer::add, metrics);
    }

    @Test
    @DisplayName("what arrives while the writer is busy goes in the next group, at most MAX_GROUP at a time")
    void groupsWhatWaits() {
        for (int i = 0; i < 300; i++) {
            memory.create(ThreadRecord.create("t-" + i, "c", null, T0));
        }
        GroupCommitter committer = committer();
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            futures.add(committer.submit(commit("t-" + i)));
        }
        assertThat(writer).as("one write task, however many commits").hasSize(1);
        writer.poll().run();
        assertThat(groups).containsExactly(GroupCommitter.MAX_GROUP, 300 - GroupCommitter.MAX_GROUP);
        assertThat(futures).allSatisfy(f -> assertThat(f.join()).isEqualTo(1L));
        assertThat(registry.get("ltp_delivery_commit_group_size").summary().count()).isEqualTo(2);

        committer.submit(commit("t-0"));
        assertThat(writer).as("an idle writer starts again").hasSize(1);
        writer.poll().run();
        assertThat(groups).last().isEqualTo(1);
    }

    @Test
    @DisplayName("a failed group fails every commit in it, and the next group is written")
    void aFailedGroupFailsItsCommits() {
        memory.create(ThreadRecord.create("t", "c", null, T0));
        GroupCommitter committer = committer();
        failing = true;
        CompletableFuture<Long> a = committer.submit(commit("t"));
        CompletableFuture<Long> b = committer.submit(commit("t"));
        writer.poll().run();
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        failing = false;
        CompletableFuture<Long> c = committer.submit(commit("t"));
        writer.poll().run();
        assertThat(c.join()).isEqualTo(1L);
    }
}
