package io.liminal.ltp.jdbc.internal;

import io.liminal.ltp.core.concurrent.Scheduler;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a SQLite store's write-ahead log into the main file from a thread of its own, so that commits do not.
 *
 * <p>By default SQLite checkpoints inside the commit that fills the log past 1,000 pages: with a write-heavy
 * delivery log that is every few dozen milliseconds, and the commit waits for the page copies and two fsyncs while
 * every commit grouped behind it waits too. Here the store's connections checkpoint only past
 * {@link #WRITER_CHECKPOINT_PAGES}, and this one runs a passive checkpoint (never blocking writers) every
 * {@link #INTERVAL}. Passive checkpoints alone never restart a log that commits keep appending to, so the writers'
 * rare checkpoint is what bounds its size; it finds most of its pages already copied. A commit is as durable as
 * before; each checkpoint also syncs the log, so after a power loss about the last interval of commits is missing
 * instead of everything since the last 1,000 pages.
 *
 * <p>The interval is short because commits made while a checkpoint syncs the files are held up (measured; on ext4,
 * probably behind the journal commit the fsync starts): small and frequent, each holds them up less
 * (docs/performance.md, Durable path). A checkpoint that finds nothing new doubles the wait before the next, up to
 * {@link #IDLE_INTERVAL}, so an idle store does not wake 40 times a second; the first one that finds new pages goes
 * back to {@link #INTERVAL}.
 */
public final class WalCheckpointer implements AutoCloseable {
    /** How often the log is checkpointed while commits arrive. */
    public static final Duration INTERVAL = Duration.ofMillis(25);
    /** The longest wait between checkpoints of an idle store. */
    public static final Duration IDLE_INTERVAL = Duration.ofSeconds(1);
    /** Pages past which a store connection checkpoints after its commit, as SQLite's 1,000 by default (4 KiB each). */
    public static final int WRITER_CHECKPOINT_PAGES = 10_000;
    /** The log's file is truncated to this after a checkpoint that emptied it (bytes). */
    public static final long LOG_SIZE_LIMIT = 64L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);
    private final DataSource dataSource;
    private final Scheduler scheduler;
    /** The thread's executor when this checkpointer owns one ({@link #onOwnThread}); else {@code null}. */
    private final ScheduledExecutorService ownThread;
    private final Object lock = new Object();
    private Scheduler.Cancellable next = Scheduler.Cancellable.NONE;
    private boolean closed;
    private boolean failing;
    /** The wait before the next checkpoint, and what the last one reported (log frames, frames in the file). */
    private long delayMillis = INTERVAL.toMillis();
    private long lastFrames = -1;
    private long lastCheckpointed = -1;

    /** Schedules the first checkpoint one {@link #INTERVAL} from now, on {@code scheduler}. */
    public WalCheckpointer(DataSource dataSource, Scheduler scheduler) {
        this(dataSource, scheduler, null);
    }

    private WalCheckpointer(DataSource dataSource, Scheduler scheduler, ScheduledExecutorService ownThread) {
        this.dataSource = dataSource;
        this.scheduler = scheduler;
        this.ownThread = ownThread;
        scheduleNext();
    }

    /** Checkpoints on a daemon thread of its own, {@code ltp-sqlite-checkpoint}, which {@link #close()} ends. */
    public static WalCheckpointer onOwnThread(DataSource dataSource) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread checkpoints = new Thread(task, "ltp-sqlite-checkpoint");
            checkpoints.setDaemon(true);
            return checkpoints;
        });
        return new WalCheckpointer(dataSource, Scheduler.of(thread), thread);
    }

    private void scheduleNext() {
        synchronized (lock) {
            if (!closed) {
                next = scheduler.schedule(this::run, delayMillis, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void run() {
        try {
            long[] frames = checkpoint();
            boolean nothingNew = frames[0] == frames[1] && frames[0] == lastFrames && frames[1] == lastCheckpointed;
            delayMillis = nothingNew ? Math.min(delayMillis * 2, IDLE_INTERVAL.toMillis()) : INTERVAL.toMillis();
            lastFrames = frames[0];
            lastCheckpointed = frames[1];
            if (failing) {
                failing = false;
                LOG.info("SQLite checkpoints succeed again");
            }
        } catch (SQLException | RuntimeException e) {
            // Once per failing streak: the store's own calls report the database's health (/ready).
            if (!failing) {
                failing = true;
                LOG.warn("SQLite checkpoint failed (retrying every {} ms): {}", INTERVAL.toMillis(), e.toString());
            }
            delayMillis = INTERVAL.toMillis();
        } finally {
            scheduleNext();
        }
    }

    /**
     * Runs one passive checkpoint now.
     *
     * @return the log's frames and how many of them are now in the main file
     */
    long[] checkpoint() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement statement = c.createStatement();
                ResultSet row = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            return row.next() ? new long[] {row.getLong(2), row.getLong(3)} : new long[] {0, 0};
        }
    }

    /** Stops checkpointing; a checkpoint in progress finishes (on its own thread, before this returns). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            next.cancel();
        }
        if (ownThread != null) {
            ownThread.shutdown();
            try {
                if (!ownThread.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("A SQLite checkpoint still runs after 10 s; closing anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
