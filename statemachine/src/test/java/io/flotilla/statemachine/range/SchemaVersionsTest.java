package io.flotilla.statemachine.range;

import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import io.flotilla.statemachine.wire.SequenceFloor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which change sets a replica refuses after schema changes, and that a restart refuses the same ones. */
class SchemaVersionsTest {

    private static final String T = "\"PUBLIC\".\"T\"";
    private static final String U = "\"PUBLIC\".\"U\"";

    private Connection c;

    @BeforeEach
    void open() throws SQLException {
        c = DriverManager.getConnection("jdbc:h2:mem:versions-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0", "sa", "");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA FLOTILLA");
        }
        SchemaVersions.ensure(c);
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    private static ChangeSet writing(long madeAt, String table) {
        return ChangeSet.newBuilder().setSchemaVersion(madeAt)
                .addChanges(RowChange.newBuilder().setKind(RowChange.Kind.INSERT).setSchema("PUBLIC").setTable(table))
                .build();
    }

    private static ChangeSet drawing(long madeAt, String sequence) {
        return ChangeSet.newBuilder().setSchemaVersion(madeAt)
                .addSequences(SequenceFloor.newBuilder().setSchema("PUBLIC").setName(sequence).setUsedUpTo(1))
                .build();
    }

    @Test
    void onlyChangeSetsTouchingWhatChangedAreRefused() throws SQLException {
        SchemaVersions v = SchemaVersions.read(c);
        v.changed(c, 5, new SchemaDiff(false, Set.of(T)));
        assertEquals(5, v.current());
        assertTrue(v.outdated(writing(3, "T")), "T changed at 5, after the change set was made at 3");
        assertFalse(v.outdated(writing(3, "U")), "U did not change");
        assertFalse(v.outdated(writing(5, "T")), "made against the current schema");
        assertFalse(v.outdated(drawing(3, "S")));
        v.changed(c, 8, new SchemaDiff(false, Set.of("\"PUBLIC\".\"S\"")));
        assertTrue(v.outdated(drawing(5, "S")), "a sequence it drew from changed");
    }

    @Test
    void aChangeSetIsRefusedWhenATableItOnlyLockedChanged() throws SQLException {
        SchemaVersions v = SchemaVersions.read(c);
        v.changed(c, 5, new SchemaDiff(false, Set.of(T)));
        ChangeSet lockedT = writing(3, "U").toBuilder().addLockedTables(T).build();
        assertTrue(v.outdated(lockedT), "it locked T, which changed at 5");
        assertFalse(v.outdated(writing(3, "U").toBuilder().addLockedTables(U).build()));
    }

    @Test
    void aRangeWideChangeRefusesEverythingMadeBefore() throws SQLException {
        SchemaVersions v = SchemaVersions.read(c);
        v.changed(c, 5, new SchemaDiff(false, Set.of(T)));
        v.changed(c, 7, SchemaDiff.RANGE_WIDE);
        assertTrue(v.outdated(writing(5, "U")));
        assertFalse(v.outdated(writing(7, "U")));
    }

    @Test
    void theVersionsAreReadBackAsWritten() throws SQLException {
        SchemaVersions v = SchemaVersions.read(c);
        v.changed(c, 5, new SchemaDiff(false, Set.of(T)));
        v.changed(c, 6, new SchemaDiff(false, Set.of(U)));
        c.commit();
        SchemaVersions reread = SchemaVersions.read(c);
        assertEquals(6, reread.current());
        for (ChangeSet cs : new ChangeSet[] {writing(4, "T"), writing(5, "T"), writing(5, "U"), writing(4, "V")}) {
            assertEquals(v.outdated(cs), reread.outdated(cs), cs.toString());
        }
        assertTrue(reread.outdated(writing(5, "U")));
        assertFalse(reread.outdated(writing(5, "T")));
    }
}
