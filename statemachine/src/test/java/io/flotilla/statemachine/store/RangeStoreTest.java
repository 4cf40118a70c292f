package io.flotilla.statemachine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RangeStoreTest {

    @TempDir
    Path dir;

    @Test
    void freshStoreHasAppliedNothingAndNamesItsDatabase() throws Exception {
        try (RangeStore store = RangeStore.open(dir)) {
            assertEquals(0, store.appliedIndex());
            assertEquals(AppliedPosition.NONE, store.appliedPosition());
            assertEquals("db-1", Files.readString(dir.resolve("CURRENT"), StandardCharsets.UTF_8).strip());
            assertEquals(dir.resolve("db-1"), store.databaseDirectory());
        }
    }

    @Test
    void appliedPositionIsReadFromH2AndSurvivesReopen() throws Exception {
        try (RangeStore store = RangeStore.open(dir); Connection connection = store.connect()) {
            connection.setAutoCommit(false);
            Contents.execute(connection, "CREATE TABLE T(ID INT PRIMARY KEY)");
            Contents.execute(connection, "INSERT INTO T VALUES (1)");
            AppliedTable.write(connection, new AppliedPosition(7, 2));
            assertEquals(0, store.appliedIndex(), "uncommitted position is not applied");
            connection.commit();
            assertEquals(7, store.appliedIndex());
            assertEquals(new AppliedPosition(7, 2), store.checkpoint());
        }
        try (RangeStore store = RangeStore.open(dir); Connection connection = store.connect()) {
            assertEquals(new AppliedPosition(7, 2), store.appliedPosition());
            assertEquals(1, Contents.count(connection, "T"));
        }
    }

    @Test
    void openRemovesWhatAnInterruptedInstallLeft() throws Exception {
        RangeStore.open(dir).close();
        Files.createDirectories(dir.resolve("db-9"));
        Files.writeString(dir.resolve("db-9/range.mv.db"), "half an install");
        Files.writeString(dir.resolve("CURRENT.tmp"), "db-9\n");
        try (RangeStore store = RangeStore.open(dir)) {
            assertEquals(0, store.appliedIndex());
        }
        assertFalse(Files.exists(dir.resolve("db-9")));
        assertFalse(Files.exists(dir.resolve("CURRENT.tmp")));
        assertTrue(Files.exists(dir.resolve("db-1/range.mv.db")));
    }

    @Test
    void currentNamingNoDatabaseIsRefused() throws Exception {
        RangeStore.open(dir).close();
        Files.writeString(dir.resolve("CURRENT"), "db-5\n");
        CorruptStoreException missing = assertThrows(CorruptStoreException.class, () -> RangeStore.open(dir));
        assertTrue(missing.getMessage().contains("db-5"), missing.getMessage());
        Files.writeString(dir.resolve("CURRENT"), "garbage\n");
        assertThrows(CorruptStoreException.class, () -> RangeStore.open(dir));
    }

    @Test
    void closeClosesEveryHandedOutConnection() throws Exception {
        RangeStore store = RangeStore.open(dir);
        Connection connection = store.connect();
        store.close();
        assertTrue(connection.isClosed());
        assertThrows(java.sql.SQLException.class, store::appliedIndex);
    }
}
