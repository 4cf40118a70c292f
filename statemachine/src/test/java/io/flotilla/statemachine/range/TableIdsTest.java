package io.flotilla.statemachine.range;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.wire.SchemaChange;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Table ids as schema changes give them: one per created table, kept by renames of the table or
 * its schema and by changes that rewrite it, never given again after a drop, and the same after a
 * change is replayed following a crash. The leader decides whether a change renames, and the log
 * carries it, so every replica comes to the same ids.
 */
class TableIdsTest {

    private String url;
    private Connection apply;
    private Connection client;
    private SchemaChanges changes;
    private long index;

    @BeforeEach
    void open() throws SQLException {
        url = "jdbc:h2:mem:ids-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0";
        apply = DriverManager.getConnection(url, "sa", "");
        client = DriverManager.getConnection(url, "sa", "");
        try (Statement s = apply.createStatement()) {
            s.execute("CREATE SCHEMA FLOTILLA");
        }
        SchemaVersions.ensure(apply);
        TableIds.ensure(apply);
        apply.setAutoCommit(false);
        changes = new SchemaChanges(1, new ChangeCapture(1 << 20), new HeldTransactions(1, new byte[8]));
    }

    @AfterEach
    void close() throws SQLException {
        client.close();
        apply.close();
    }

    @Test
    void createdTablesGetTheNextIdsAndRenamesKeepThem() throws SQLException {
        run("CREATE TABLE A(ID INT PRIMARY KEY)");
        run("CREATE TABLE B(ID INT PRIMARY KEY)");
        assertEquals(Map.of(t("PUBLIC", "A"), 1L, t("PUBLIC", "B"), 2L), TableIds.live(apply));

        run("ALTER TABLE A RENAME TO RENAMED");
        run("ALTER TABLE B ADD COLUMN V INT");
        assertEquals(Map.of(t("PUBLIC", "RENAMED"), 1L, t("PUBLIC", "B"), 2L), TableIds.live(apply));

        run("CREATE SCHEMA S");
        run("CREATE TABLE S.C(ID INT PRIMARY KEY)");
        run("CREATE TABLE S.D(ID INT)"); // no primary key: a hidden row key, an id all the same
        run("ALTER SCHEMA S RENAME TO S2");
        assertEquals(Map.of(t("PUBLIC", "RENAMED"), 1L, t("PUBLIC", "B"), 2L, t("S2", "C"), 3L, t("S2", "D"), 4L),
                TableIds.live(apply));
    }

    @Test
    void aDroppedTablesIdIsNeverGivenAgain() throws SQLException {
        run("CREATE TABLE A(ID INT PRIMARY KEY)");
        run("CREATE TABLE B(ID INT PRIMARY KEY)");
        run("DROP TABLE B");
        run("CREATE TABLE B(ID INT PRIMARY KEY)");
        run("DROP TABLE A");
        run("CREATE TABLE C(ID INT PRIMARY KEY)");
        assertEquals(Map.of(t("PUBLIC", "B"), 3L, t("PUBLIC", "C"), 4L), TableIds.live(apply));
    }

    @Test
    void aChangeReplayedAfterACrashComesToTheSameIds() throws SQLException {
        run("CREATE TABLE A(ID INT PRIMARY KEY)");
        SchemaChange rename = SchemaChanges.checked(client, "ALTER TABLE A RENAME TO B");
        long at = ++index;
        assertInstanceOf(Outcome.Applied.class, changes.apply(apply, at, rename, SchemaVersions.read(apply)));
        // The crash: H2 committed the rename by itself, the entry's bookkeeping (ids included) is lost.
        apply.rollback();
        assertEquals(Map.of(t("PUBLIC", "A"), 1L), TableIds.live(apply));
        assertInstanceOf(Outcome.Applied.class, changes.apply(apply, at, rename, SchemaVersions.read(apply)));
        apply.commit();
        assertEquals(Map.of(t("PUBLIC", "B"), 1L), TableIds.live(apply));
    }

    @Test
    void theLeaderTellsWhetherAChangeRenames() throws SQLException {
        run("CREATE TABLE A(ID INT PRIMARY KEY)");
        run("CREATE SCHEMA S");
        assertTrue(SchemaChanges.checked(client, "ALTER TABLE A RENAME TO B").getRenamesTables());
        assertTrue(SchemaChanges.checked(client, "ALTER SCHEMA S RENAME TO T").getRenamesTables());
        assertFalse(SchemaChanges.checked(client, "ALTER TABLE A ADD COLUMN V INT").getRenamesTables());
        assertFalse(SchemaChanges.checked(client, "CREATE TABLE C(ID INT PRIMARY KEY)").getRenamesTables());
    }

    /** A refused change gives no id. */
    @Test
    void aRefusedChangeGivesNoId() throws SQLException {
        run("CREATE TABLE A(ID INT PRIMARY KEY)");
        SchemaChange duplicate = SchemaChange.newBuilder().setSql("CREATE TABLE A(ID INT PRIMARY KEY)").build();
        assertInstanceOf(Outcome.Refused.class, changes.apply(apply, ++index, duplicate, SchemaVersions.read(apply)));
        apply.commit();
        run("CREATE TABLE B(ID INT PRIMARY KEY)");
        assertEquals(Map.of(t("PUBLIC", "A"), 1L, t("PUBLIC", "B"), 2L), TableIds.live(apply));
    }

    private void run(String ddl) throws SQLException {
        SchemaChange change = SchemaChanges.checked(client, ddl);
        assertInstanceOf(Outcome.Applied.class, changes.apply(apply, ++index, change, SchemaVersions.read(apply)), ddl);
        apply.commit();
    }

    private static TableName t(String schema, String table) {
        return new TableName(schema, table);
    }
}
