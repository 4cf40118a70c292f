package io.flotilla.statemachine.changes;

import com.google.protobuf.ByteString;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.h2.engine.SessionLocal;
import org.h2.index.Cursor;
import org.h2.index.Index;
import org.h2.result.Row;
import org.h2.schema.Schema;
import org.h2.table.Column;
import org.h2.table.Table;
import org.h2.table.TableType;
import org.h2.value.Value;

/**
 * Rows by their keys ({@link KeyEncoding#rowKey}: table id, then primary key): which rows of a
 * replica, or of a change set, fall outside the span a range owns. A table whose whole span lies
 * inside (or outside) the range's is decided by its id alone; only the table a range boundary
 * falls in has its rows' keys encoded.
 */
public final class RowKeys {

    /** A table's id, as the catalog ({@code FLOTILLA.TABLE_IDS}) gives it; empty for a table it does not list. */
    @FunctionalInterface
    public interface TableIdOf {
        OptionalLong of(String schema, String table);
    }

    private RowKeys() {
    }

    /**
     * The key of the first row change of {@code changes} that writes outside {@code span} (an
     * update's old and new keys both count); empty if every key is inside. Deterministic: every
     * replica that applied the same log answers alike.
     */
    public static Optional<Key> firstOutside(Connection connection, ChangeSet changes, KeySpan span, TableIdOf ids)
            throws SQLException {
        SessionLocal session = EmbeddedSession.of(connection);
        Map<String, TableKeys> tables = new HashMap<>();
        for (RowChange change : changes.getChangesList()) {
            String name = change.getSchema() + "." + change.getTable();
            TableKeys keys = tables.get(name);
            if (keys == null) {
                keys = TableKeys.of(session, change.getSchema(), change.getTable(), ids, span);
                tables.put(name, keys);
            }
            if (keys.inside) {
                continue;
            }
            for (List<ByteString> image : List.of(change.getOldRowList(), change.getNewRowList())) {
                if (!image.isEmpty()) {
                    Key key = keys.keyOf(image);
                    if (!span.contains(key)) {
                        return Optional.of(key);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Deletes, in the open transaction of {@code connection} and below SQL (no trigger fires, no
     * foreign key cascades: the rows go as they are), every row of a replicated table whose key is
     * outside {@code span}. For a split: each side keeps its own rows. Returns how many went.
     */
    public static long deleteOutside(Connection connection, KeySpan span, TableIdOf ids) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new SQLException("rows are deleted in the caller's transaction; turn auto-commit off", "25000");
        }
        SessionLocal session = EmbeddedSession.of(connection);
        long deleted = 0;
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            if (!ReservedNames.isUserSchema(schema.getName())) {
                continue;
            }
            for (Table table : schema.getAllTablesAndViews(session)) {
                if (table.getTableType() != TableType.TABLE || table.isTemporary()) {
                    continue;
                }
                TableKeys keys = TableKeys.of(session, schema.getName(), table.getName(), ids, span);
                if (keys.inside) {
                    continue;
                }
                // A write lock, as any DML takes (shared with other writers, excludes DDL): the
                // caller sees to it that no client transaction holds rows of the table.
                table.lock(session, Table.WRITE_LOCK);
                List<Row> doomed = new ArrayList<>();
                Cursor rows = keys.primaryKey.find(session, null, null, false);
                while (rows.next()) {
                    Row row = rows.get();
                    if (keys.outside || !span.contains(keys.keyOf(row))) {
                        doomed.add(row);
                    }
                }
                for (Row row : doomed) {
                    table.removeRow(session, row);
                }
                deleted += doomed.size();
            }
        }
        return deleted;
    }

    /** One table's place against a span, and how to key its rows when the span's boundary falls in it. */
    private static final class TableKeys {
        final boolean inside;
        final boolean outside;
        final long tableId;
        final Index primaryKey;
        final Column[] keyColumns;
        final ValueCodec.ColumnDecoder decoder;

        private TableKeys(boolean inside, boolean outside, long tableId, Table table, Index primaryKey) {
            this.inside = inside;
            this.outside = outside;
            this.tableId = tableId;
            this.primaryKey = primaryKey;
            this.keyColumns = primaryKey.getColumns();
            this.decoder = new ValueCodec.ColumnDecoder(table);
        }

        static TableKeys of(SessionLocal session, String schemaName, String tableName, TableIdOf ids, KeySpan span)
                throws SQLException {
            Schema schema = session.getDatabase().findSchema(schemaName);
            Table table = schema == null ? null : schema.findTableOrView(session, tableName);
            if (table == null || table.getTableType() != TableType.TABLE) {
                throw new RowImageMismatchException("table " + schemaName + "." + tableName + " does not exist on this replica");
            }
            Index primaryKey = table.findPrimaryKey();
            if (primaryKey == null) {
                throw new RowImageMismatchException("table " + schemaName + "." + tableName + " has no primary key");
            }
            OptionalLong id = ids.of(schemaName, tableName);
            if (id.isEmpty()) {
                throw new SQLException("table " + schemaName + "." + tableName + " has no table id", "XX001");
            }
            KeySpan tableSpan = KeySpan.ofTable(id.getAsLong());
            return new TableKeys(span.covers(tableSpan), !span.overlaps(tableSpan), id.getAsLong(), table, primaryKey);
        }

        Key keyOf(Row row) throws SQLException {
            Value[] key = new Value[keyColumns.length];
            for (int i = 0; i < key.length; i++) {
                key[i] = row.getValue(keyColumns[i].getColumnId());
            }
            return KeyEncoding.rowKey(tableId, key);
        }

        Key keyOf(List<ByteString> image) throws SQLException {
            Value[] key = new Value[keyColumns.length];
            for (int i = 0; i < key.length; i++) {
                int column = keyColumns[i].getColumnId();
                key[i] = decoder.decode(column, image.get(column).toByteArray());
            }
            return KeyEncoding.rowKey(tableId, key);
        }
    }
}
