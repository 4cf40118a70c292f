package io.flotilla.statemachine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a replica resumes from after a crash. H2's file after a crash need not hold a prefix of the
 * commits ({@link RangeStore#open} says why), so a store that crashed reopens empty, and the
 * replica rebuilds from its log's snapshot and the log; only a clean shutdown is resumed from.
 *
 * <p>{@link #replayingTheLogAfterEveryCrashRebuildsExactlyTheLog} shows why. The apply session commits the entries of a log (an
 * entry's rows, the deletion of an older entry's rows and its applied position, in one transaction,
 * as {@code RangeReplica} does) while H2 writes its file in the background, and the store crashes
 * at random moments in the middle of that. After every crash the replica installs the log's
 * snapshot if the store is behind it, and replays the log from the store's applied position: every
 * entry must apply, and then the rows must be those of the whole log. Resuming from H2's file
 * instead, the replay met the next entry's own rows ({@code 23505}, the row in the way equal to
 * the one inserted) or found rows of an entry the store said was not applied, within a few dozen
 * crashes; that is the primary-key violation {@code RangeWorkloadTest} showed after crashes.
 */
class StoreCrashTest {

    private static final int CRASHES = 30;
    private static final int ROWS_PER_LARGE_ENTRY = 200;
    /** Entries delete the rows of the entry this many before them, so replays meet deletions too. */
    private static final long DELETE_DISTANCE = 5;
    /** Entry 1 creates the table; the entries after it write rows. */
    private static final long FIRST_ROWS_ENTRY = 2;

    /** {@link StoreLayout#SHUT_DOWN_CLEANLY}, spelled out so the test also compiles against a store without it. */
    private static final String SHUT_DOWN_CLEANLY = "SHUT_DOWN_CLEANLY";

    @TempDir
    Path dir;

    @Test
    void aStoreThatCrashedReopensEmpty() throws Exception {
        try (RangeStore store = RangeStore.open(dir); Connection c = store.connect()) {
            c.setAutoCommit(false);
            Contents.execute(c, "CREATE TABLE T(ID INT PRIMARY KEY)", "INSERT INTO T VALUES (1)");
            AppliedTable.write(c, new AppliedPosition(7, 2));
            c.commit();
            // Even forced to the file: after a crash the file is not resumed from.
            store.checkpoint();
            store.crash();
        }
        try (RangeStore store = RangeStore.open(dir); Connection c = store.connect()) {
            assertEquals(AppliedPosition.NONE, store.appliedPosition());
            assertEquals(0, Contents.count(c, "INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'T'"), "table T is gone");
            assertEquals(List.of("db-2"), databaseDirectories(), "the crashed database is gone");
        }
    }

    @Test
    void aStoreClosedCleanlyReopensWhereItWas() throws Exception {
        try (RangeStore store = RangeStore.open(dir); Connection c = store.connect()) {
            c.setAutoCommit(false);
            Contents.execute(c, "CREATE TABLE T(ID INT PRIMARY KEY)", "INSERT INTO T VALUES (1)");
            AppliedTable.write(c, new AppliedPosition(7, 2));
            c.commit();
        }
        assertTrue(Files.exists(dir.resolve("db-1").resolve(SHUT_DOWN_CLEANLY)));
        try (RangeStore store = RangeStore.open(dir); Connection c = store.connect()) {
            assertFalse(Files.exists(dir.resolve("db-1").resolve(SHUT_DOWN_CLEANLY)),
                    "an open database is no clean shutdown's");
            assertEquals(new AppliedPosition(7, 2), store.appliedPosition());
            assertEquals(1, Contents.count(c, "T"));
            store.crash();
        }
        try (RangeStore store = RangeStore.open(dir)) {
            assertEquals(AppliedPosition.NONE, store.appliedPosition(), "opened and then crashed: not resumed from");
        }
    }

    @Test
    void replayingTheLogAfterEveryCrashRebuildsExactlyTheLog() throws Exception {
        // The node's default write delay: H2 writes its file half a second after commits.
        StoreOptions options = StoreOptions.defaults();
        AtomicLong logEnd = new AtomicLong();
        byte[] snapshot = null;
        long snapshotIndex = 0;
        SplittableRandom random = new SplittableRandom(20261206);
        for (int crash = 0; crash <= CRASHES; crash++) {
            RangeStore store = RangeStore.open(dir, options);
            if (snapshot != null && store.appliedIndex() < snapshotIndex) {
                // As the host does: the log starts at its snapshot.
                store.install(Channels.newChannel(new ByteArrayInputStream(snapshot)));
            }
            long from = store.appliedIndex() + 1;
            try (Connection c = store.connect()) {
                c.setAutoCommit(false);
                for (long entry = from; entry <= logEnd.get(); entry++) {
                    try {
                        applyEntry(c, entry);
                    } catch (SQLException | AssertionError replayFailed) {
                        throw new AssertionError("after crash " + crash + ", replaying the log from entry " + from
                                + " failed at entry " + entry, replayFailed);
                    }
                }
                if (logEnd.get() >= FIRST_ROWS_ENTRY) {
                    assertEquals(expectedEntries(logEnd.get()), entriesWithRows(c), "after crash " + crash + " and the replay");
                }
            }
            if (crash == CRASHES) {
                store.close();
                break;
            }
            // Compaction: the log keeps a snapshot of what was applied so far.
            try (SnapshotImage image = store.snapshot()) {
                snapshotIndex = image.position().index();
                snapshot = Channels.newInputStream(image).readAllBytes();
            }
            Thread applying = new Thread(() -> applyUntilTheCrash(store, logEnd), "apply-" + crash);
            applying.start();
            Thread.sleep(200 + random.nextInt(800));
            store.crash();
            applying.join();
        }
    }

    /** Appends entries to the log and applies them, one after another, until the crash. */
    private static void applyUntilTheCrash(RangeStore store, AtomicLong logEnd) {
        try (Connection c = store.connect()) {
            c.setAutoCommit(false);
            while (true) {
                // Committed by the group before it is applied: the replay after the crash includes it.
                applyEntry(c, logEnd.incrementAndGet());
            }
        } catch (SQLException crashed) {
            // The crash closed the database under the apply session.
        }
    }

    /** One entry of the log, in one transaction with its applied position, as the apply session does it. */
    private static void applyEntry(Connection c, long entry) throws SQLException {
        if (entry < FIRST_ROWS_ENTRY) {
            Contents.execute(c, "CREATE TABLE ITEM(ID BIGINT PRIMARY KEY, ENTRY BIGINT NOT NULL, NOTE VARCHAR(2000))");
        } else {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ITEM VALUES (?, ?, ?)");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM ITEM WHERE ENTRY = ?")) {
                for (int row = 0; row < rows(entry); row++) {
                    insert.setLong(1, entry * 1_000 + row);
                    insert.setLong(2, entry);
                    insert.setString(3, "x".repeat(1_500));
                    insert.executeUpdate();
                }
                long older = entry - DELETE_DISTANCE;
                if (older >= FIRST_ROWS_ENTRY) {
                    delete.setLong(1, older);
                    assertEquals(rows(older), delete.executeUpdate(), "rows of entry " + older + " deleted by entry " + entry);
                }
            }
        }
        AppliedTable.write(c, new AppliedPosition(entry, 1));
        c.commit();
    }

    private static int rows(long entry) {
        return entry % 2 == 0 ? ROWS_PER_LARGE_ENTRY : 1;
    }

    /** The entries whose rows are still there after entries 1..last: all but the deleted ones. */
    private static List<Long> expectedEntries(long last) {
        List<Long> entries = new ArrayList<>();
        for (long entry = Math.max(FIRST_ROWS_ENTRY, last - DELETE_DISTANCE + 1); entry <= last; entry++) {
            entries.add(entry);
        }
        return entries;
    }

    private static List<Long> entriesWithRows(Connection c) throws SQLException {
        List<Long> entries = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT ENTRY, COUNT(*) FROM ITEM GROUP BY ENTRY ORDER BY ENTRY")) {
            while (rows.next()) {
                assertEquals(rows(rows.getLong(1)), rows.getInt(2), "rows of entry " + rows.getLong(1));
                entries.add(rows.getLong(1));
            }
        }
        return entries;
    }

    private List<String> databaseDirectories() throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("db-")).sorted().toList();
        }
    }
}
