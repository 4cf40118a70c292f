package io.flotilla.statemachine.range;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flotilla.statemachine.keys.KeySpan;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A range's bounds live in its own database: a new database records the span it was opened with,
 * at generation 1; from then on the database's record is the truth, whatever a later opener says.
 */
class RangeBoundsTest {

    @Test
    void aNewDatabaseRecordsItsInitialSpanAndKeepsItAcrossRestarts(@TempDir Path directory) throws Exception {
        try (RangeReplica meta = RangeReplica.open(1, KeySpan.META, directory.resolve("meta"),
                RangeReplica.Options.defaults())) {
            assertEquals(new RangeBounds(1, KeySpan.META, 1), meta.bounds().orElseThrow());
        }
        // Opened again as if it were a new range of another span: the database's own record stands.
        try (RangeReplica again = RangeReplica.open(1, KeySpan.ALL_TABLES, directory.resolve("meta"),
                RangeReplica.Options.defaults())) {
            assertEquals(new RangeBounds(1, KeySpan.META, 1), again.bounds().orElseThrow());
        }
    }

    @Test
    void aDatabaseOpenedAsAnotherRangeIsRefused(@TempDir Path directory) throws Exception {
        try (RangeReplica data = RangeReplica.open(2, KeySpan.ALL_TABLES, directory, RangeReplica.Options.defaults())) {
            assertEquals(KeySpan.ALL_TABLES, data.bounds().orElseThrow().span());
        }
        SQLException refused = assertThrows(SQLException.class,
                () -> RangeReplica.open(3, KeySpan.ALL_TABLES, directory, RangeReplica.Options.defaults()).close());
        assertEquals("XX001", refused.getSQLState(), refused.getMessage());
    }
}
