package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.wire.SchemaChange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A schema change replayed after a crash that came between the change (which H2 commits by itself)
 * and the bookkeeping that counts its entry as applied: the replica does not run it twice, and
 * records what the first run would have recorded. It used to run it again, and a plain
 * {@code CREATE TABLE} then failed on this replica alone.
 */
class SchemaChangeReplayTest {

    private Connection apply;
    private SchemaChanges changes;

    @BeforeEach
    void open() throws SQLException {
        apply = DriverManager.getConnection("jdbc:h2:mem:replay-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0", "sa", "");
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
        apply.close();
    }

    private static SchemaChange ddl(String sql) {
        return SchemaChange.newBuilder().setSql(sql).build();
    }

    @Test
    void aChangeThatRanBeforeTheCrashIsNotRunAgain() throws SQLException {
        SchemaChange create = ddl("CREATE TABLE T(ID INT PRIMARY KEY, V INT)");
        assertInstanceOf(Outcome.Applied.class, changes.apply(apply, 7, create, SchemaVersions.read(apply)));
        // The crash: the table is there (H2 committed it), the entry's bookkeeping is not.
        apply.rollback();
        SchemaVersions afterCrash = SchemaVersions.read(apply);
        assertEquals(0, afterCrash.current());

        assertInstanceOf(Outcome.Applied.class, changes.apply(apply, 7, create, afterCrash));
        apply.commit();
        SchemaVersions replayed = SchemaVersions.read(apply);
        assertEquals(7, replayed.current(), "recorded as the first run would have");
        assertEquals(1, tables("T"));
    }

    @Test
    void aChangeMarkedButNotRunBeforeTheCrashRuns() throws SQLException {
        SchemaChangeMark.mark(apply, 9);
        assertInstanceOf(Outcome.Applied.class, changes.apply(apply, 9, ddl("CREATE TABLE U(ID INT PRIMARY KEY)"),
                SchemaVersions.read(apply)));
        apply.commit();
        assertEquals(9, SchemaVersions.read(apply).current());
        assertEquals(1, tables("U"));
    }

    @Test
    void aChangeThatFailsFailsAgainOnReplay() throws SQLException {
        SchemaChange drop = ddl("DROP TABLE NOWHERE");
        assertInstanceOf(Outcome.Refused.class, changes.apply(apply, 4, drop, SchemaVersions.read(apply)));
        apply.rollback();
        assertInstanceOf(Outcome.Refused.class, changes.apply(apply, 4, drop, SchemaVersions.read(apply)));
    }

    private long tables(String name) throws SQLException {
        try (Statement s = apply.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = '" + name + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
