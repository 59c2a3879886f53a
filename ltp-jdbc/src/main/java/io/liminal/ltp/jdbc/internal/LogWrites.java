package io.liminal.ltp.jdbc.internal;

import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The delivery log's writes for a group of commits, inside the caller's transaction, with a fixed number of
 * statements per group wherever the database allows: per thread of the group one counter update (one statement
 * for all of them on PostgreSQL), then every new row in one batch, the trims, and every inbound position in one
 * batch. A lone commit is a group of one.
 */
public final class LogWrites {
    private LogWrites() {
    }

    /** One thread's share of a group: how many messages and bytes it appends, and the range they got. */
    private static final class ThreadShare {
        long count;
        long bytes;
        /** After the counter update: the last sequence number and the log's bytes; {@code last == 0}: no thread. */
        long last;
        long logBytes;
        /** No row of the log is below it (trimmed); where reads of the oldest rows start. */
        long floor;
        /** The next number to hand to a commit of this thread, in group order. */
        long next;
        Instant now;
        DeliveryRetention retention;
    }

    /**
     * Writes every commit of the group.
     *
     * @return per commit, the sequence number of its first message; 0 when it had none or its thread is gone
     */
    public static long[] commit(Connection c, Dialect dialect, List<Commit> commits) throws SQLException {
        Map<String, ThreadShare> shares = new LinkedHashMap<>();
        long[][] sizes = new long[commits.size()][];
        for (int i = 0; i < commits.size(); i++) {
            Commit commit = commits.get(i);
            List<Outbound> messages = commit.messages();
            if (messages.isEmpty()) {
                continue;
            }
            sizes[i] = new long[messages.size()];
            ThreadShare share = shares.computeIfAbsent(commit.threadId(), id -> new ThreadShare());
            for (int m = 0; m < messages.size(); m++) {
                sizes[i][m] = messages.get(m).message().getBytes(StandardCharsets.UTF_8).length;
                share.bytes += sizes[i][m];
            }
            share.count += messages.size();
            share.now = commit.now(); // the latest commit's clock and retention trim the log
            share.retention = commit.retention();
        }
        if (!shares.isEmpty()) {
            advanceCounters(c, dialect, shares);
        }
        long[] firsts = new long[commits.size()];
        if (!shares.isEmpty()) {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ltp_outbound (thread_id, seq, "
                    + "logged_at, size_bytes, target_instance, message) VALUES (?, ?, ?, ?, ?, ?)")) {
                boolean any = false;
                for (int i = 0; i < commits.size(); i++) {
                    Commit commit = commits.get(i);
                    ThreadShare share = sizes[i] == null ? null : shares.get(commit.threadId());
                    if (share == null || share.last == 0) {
                        continue; // no messages, or the thread is gone: nothing was written
                    }
                    firsts[i] = share.next;
                    List<Outbound> messages = commit.messages();
                    for (int m = 0; m < messages.size(); m++) {
                        Outbound message = messages.get(m);
                        insert.setString(1, commit.threadId());
                        insert.setLong(2, share.next++);
                        insert.setLong(3, commit.now().toEpochMilli());
                        insert.setLong(4, sizes[i][m]);
                        if (message.targetInstance() == null) {
                            insert.setNull(5, Types.VARCHAR);
                        } else {
                            insert.setString(5, message.targetInstance());
                        }
                        insert.setString(6, message.message());
                        insert.addBatch();
                        any = true;
                    }
                }
                if (any) {
                    insert.executeBatch();
                }
            }
            trim(c, dialect, shares);
        }
        recordPositions(c, commits);
        return firsts;
    }

    /** Raises each thread's counters by its share; {@code last} stays 0 for a thread that is not stored. */
    private static void advanceCounters(Connection c, Dialect dialect, Map<String, ThreadShare> shares)
            throws SQLException {
        if (dialect == Dialect.POSTGRESQL && shares.size() > 1) {
            String[] ids = new String[shares.size()];
            Long[] counts = new Long[ids.length];
            Long[] bytes = new Long[ids.length];
            int k = 0;
            for (Map.Entry<String, ThreadShare> entry : shares.entrySet()) {
                ids[k] = entry.getKey();
                counts[k] = entry.getValue().count;
                bytes[k++] = entry.getValue().bytes;
            }
            try (PreparedStatement next = c.prepareStatement("UPDATE ltp_threads AS t SET out_seq = t.out_seq + "
                    + "v.n, out_bytes = t.out_bytes + v.b FROM unnest(?::varchar[], ?::bigint[], ?::bigint[]) AS "
                    + "v(id, n, b) WHERE t.thread_id = v.id RETURNING t.thread_id, t.out_seq, t.out_bytes, "
                    + "t.out_floor")) {
                next.setArray(1, c.createArrayOf("varchar", ids));
                next.setArray(2, c.createArrayOf("bigint", counts));
                next.setArray(3, c.createArrayOf("bigint", bytes));
                try (ResultSet row = next.executeQuery()) {
                    while (row.next()) {
                        advanced(shares.get(row.getString(1)), row.getLong(2), row.getLong(3), row.getLong(4));
                    }
                }
            }
            return;
        }
        try (PreparedStatement next = c.prepareStatement("UPDATE ltp_threads SET out_seq = out_seq + ?, "
                + "out_bytes = out_bytes + ? WHERE thread_id = ? RETURNING out_seq, out_bytes, out_floor")) {
            for (Map.Entry<String, ThreadShare> entry : shares.entrySet()) {
                next.setLong(1, entry.getValue().count);
                next.setLong(2, entry.getValue().bytes);
                next.setString(3, entry.getKey());
                try (ResultSet row = next.executeQuery()) {
                    if (row.next()) {
                        advanced(entry.getValue(), row.getLong(1), row.getLong(2), row.getLong(3));
                    }
                }
            }
        }
    }

    private static void advanced(ThreadShare share, long last, long logBytes, long floor) {
        share.last = last;
        share.logBytes = logBytes;
        share.floor = floor;
        share.next = last - share.count + 1;
    }

    /**
     * Trims each thread's log to its retention, in steps: a log is trimmed back to its bounds once it holds more than
     * a sixteenth over them, or its oldest row is too old ({@link DeliveryRetention#trimAboveMessages()}). The oldest
     * row of every thread is read first (one statement on PostgreSQL, from the log's floor); only a log that must be
     * trimmed is walked, from that oldest row, each with one prepared statement, and the cuts of the group go out in
     * two batches.
     */
    private static void trim(Connection c, Dialect dialect, Map<String, ThreadShare> shares) throws SQLException {
        Map<String, long[]> oldest = oldestRows(c, dialect, shares);
        Map<String, Long> dueFrom = new LinkedHashMap<>(); // thread -> its oldest row
        for (Map.Entry<String, ThreadShare> entry : shares.entrySet()) {
            ThreadShare share = entry.getValue();
            long[] head = oldest.get(entry.getKey()); // seq, logged_at
            if (share.last == 0 || head == null || head[0] >= share.last) {
                continue;
            }
            DeliveryRetention retention = share.retention;
            if (share.last - head[0] + 1 > retention.trimAboveMessages()
                    || share.logBytes > retention.trimAboveBytes()
                    || head[1] < share.now.minus(retention.maxAge()).toEpochMilli()) {
                dueFrom.put(entry.getKey(), head[0]);
            }
        }
        if (dueFrom.isEmpty()) {
            return;
        }
        List<Cut> cuts = new ArrayList<>(dueFrom.size());
        try (PreparedStatement walk = c.prepareStatement("SELECT seq, size_bytes, logged_at FROM ltp_outbound "
                + "WHERE thread_id = ? AND seq >= ? ORDER BY seq LIMIT 64")) {
            for (Map.Entry<String, Long> due : dueFrom.entrySet()) {
                Cut cut = cutOf(walk, due.getKey(), due.getValue(), shares.get(due.getKey()));
                if (cut.through() > 0) {
                    cuts.add(cut);
                }
            }
        }
        if (cuts.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM ltp_outbound WHERE thread_id = ? AND "
                + "seq >= ? AND seq <= ?");
             PreparedStatement update = c.prepareStatement("UPDATE ltp_threads SET out_bytes = out_bytes - ?, "
                     + "out_floor = ? WHERE thread_id = ?")) {
            for (Cut cut : cuts) {
                delete.setString(1, cut.threadId());
                delete.setLong(2, cut.from());
                delete.setLong(3, cut.through());
                delete.addBatch();
                update.setLong(1, cut.bytes());
                update.setLong(2, cut.through() + 1);
                update.setString(3, cut.threadId());
                update.addBatch();
            }
            delete.executeBatch();
            update.executeBatch();
        }
    }

    /** What one log loses: its rows from {@code from} through {@code through} (0: none), {@code bytes} in all. */
    private record Cut(String threadId, long from, long through, long bytes) {
    }

    /**
     * Walks one log from its oldest row while the rows break a bound: too many, too many bytes or too old. The
     * newest row always stays.
     */
    private static Cut cutOf(PreparedStatement walk, String threadId, long from, ThreadShare share)
            throws SQLException {
        DeliveryRetention retention = share.retention;
        long oldestAllowed = share.now.minus(retention.maxAge()).toEpochMilli();
        long through = 0;
        long removed = 0;
        boolean more = true;
        while (more) {
            more = false;
            walk.setString(1, threadId);
            walk.setLong(2, through == 0 ? from : through + 1);
            try (ResultSet row = walk.executeQuery()) {
                while (row.next()) {
                    long seq = row.getLong(1);
                    if (seq < share.last && (share.last - seq + 1 > retention.maxMessages()
                            || share.logBytes - removed > retention.maxBytes() || row.getLong(3) < oldestAllowed)) {
                        through = seq;
                        removed += row.getLong(2);
                        more = true;
                    } else {
                        more = false;
                        break;
                    }
                }
            }
        }
        return new Cut(threadId, from, through, removed);
    }

    /** Per thread of the group, the sequence number and time of its oldest logged row (absent: empty log). */
    private static Map<String, long[]> oldestRows(Connection c, Dialect dialect, Map<String, ThreadShare> shares)
            throws SQLException {
        Map<String, long[]> oldest = new HashMap<>();
        if (dialect == Dialect.POSTGRESQL && shares.size() > 1) {
            String[] ids = new String[shares.size()];
            Long[] floors = new Long[ids.length];
            int k = 0;
            for (Map.Entry<String, ThreadShare> entry : shares.entrySet()) {
                ids[k] = entry.getKey();
                floors[k++] = entry.getValue().floor;
            }
            try (PreparedStatement select = c.prepareStatement("SELECT t.id, o.seq, o.logged_at FROM "
                    + "unnest(?::varchar[], ?::bigint[]) AS t(id, floor) CROSS JOIN LATERAL (SELECT seq, logged_at "
                    + "FROM ltp_outbound WHERE thread_id = t.id AND seq >= t.floor ORDER BY seq LIMIT 1) AS o")) {
                select.setArray(1, c.createArrayOf("varchar", ids));
                select.setArray(2, c.createArrayOf("bigint", floors));
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        oldest.put(row.getString(1), new long[] {row.getLong(2), row.getLong(3)});
                    }
                }
            }
            return oldest;
        }
        try (PreparedStatement select = c.prepareStatement("SELECT seq, logged_at FROM ltp_outbound WHERE "
                + "thread_id = ? AND seq >= ? ORDER BY seq LIMIT 1")) {
            for (Map.Entry<String, ThreadShare> entry : shares.entrySet()) {
                String id = entry.getKey();
                select.setString(1, id);
                select.setLong(2, entry.getValue().floor);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        oldest.put(id, new long[] {row.getLong(1), row.getLong(2)});
                    }
                }
            }
        }
        return oldest;
    }

    /** Raises every processed position of the group (never lowers one), in one batch. */
    private static void recordPositions(Connection c, List<Commit> commits) throws SQLException {
        List<Commit> processing = new ArrayList<>(commits.size());
        for (Commit commit : commits) {
            if (commit.processed() != null) {
                processing.add(commit);
            }
        }
        if (processing.isEmpty()) {
            return;
        }
        try (PreparedStatement upsert = c.prepareStatement("INSERT INTO ltp_inbound_cursors (thread_id, "
                + "instance, last_seq, updated_at, process_id) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 "
                + "FROM ltp_threads WHERE thread_id = ?) ON CONFLICT (thread_id, instance) DO UPDATE SET "
                + "process_id = CASE WHEN excluded.last_seq > ltp_inbound_cursors.last_seq THEN "
                + "excluded.process_id ELSE ltp_inbound_cursors.process_id END, last_seq = CASE WHEN "
                + "excluded.last_seq > ltp_inbound_cursors.last_seq THEN excluded.last_seq ELSE "
                + "ltp_inbound_cursors.last_seq END, updated_at = excluded.updated_at")) {
            for (Commit commit : processing) {
                Processed processed = commit.processed();
                upsert.setString(1, commit.threadId());
                upsert.setString(2, processed.instance());
                upsert.setLong(3, processed.seq());
                upsert.setLong(4, commit.now().toEpochMilli());
                upsert.setString(5, processed.processId());
                upsert.setString(6, commit.threadId());
                if (processing.size() == 1) {
                    upsert.executeUpdate();
                } else {
                    upsert.addBatch();
                }
            }
            if (processing.size() > 1) {
                upsert.executeBatch();
            }
        }
    }
}
