package io.flotilla.statemachine.changes;

import com.google.protobuf.ByteString;
import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.h2.engine.SessionLocal;
import org.h2.index.Cursor;
import org.h2.index.Index;
import org.h2.message.DbException;
import org.h2.result.DefaultRow;
import org.h2.result.Row;
import org.h2.result.SearchRow;
import org.h2.schema.Schema;
import org.h2.table.Column;
import org.h2.table.Table;
import org.h2.table.TableType;
import org.h2.value.Value;

/**
 * Writes a change set's row images into a replica, below SQL: through H2's table API
 * ({@code Table#addRow}/{@code removeRow}), so no trigger fires (the leader's triggers already ran
 * and their effects are row changes of their own), no constraint is checked again (the leader
 * checked them against the same sequence of states) and no default or identity value is
 * generated. Rows to update or delete are found by primary key and must equal the leader's old
 * image exactly, value by value in encoded form, or the apply fails.
 *
 * <p>The changes are applied in their order, which is the order of the leader's primary-index
 * writes, so unique indexes pass through the same states as on the leader.
 *
 * <p>Nothing is committed: the caller records its applied index in the same transaction and
 * commits, or rolls back after any exception.
 */
public final class RowImages {

    private final SessionLocal session;
    private final Map<String, TargetTable> tables = new HashMap<>();

    private RowImages(SessionLocal session) {
        this.session = session;
    }

    /**
     * Applies {@code changeSet} in the open transaction of {@code applySession}, an embedded H2
     * connection with auto-commit off, then raises the change set's sequence floors.
     *
     * @throws RowImageMismatchException if the replica does not hold what the change set expects
     */
    public static void apply(Connection applySession, ChangeSet changeSet) throws SQLException {
        if (applySession.getAutoCommit()) {
            throw new SQLException("row images are applied in the caller's transaction; turn auto-commit off",
                    "25000");
        }
        RowImages images = new RowImages(EmbeddedSession.of(applySession));
        List<RowChange> changes = changeSet.getChangesList();
        for (int i = 0; i < changes.size(); i++) {
            images.apply(i, changes.get(i));
        }
        SequenceFloors.raise(images.session, changeSet.getSequencesList());
    }

    private void apply(int index, RowChange change) throws SQLException {
        TargetTable target = table(change);
        try {
            switch (change.getKind()) {
            case INSERT:
                insert(target, change.getNewRowList());
                break;
            case DELETE:
                target.table.removeRow(session, existing(target, change.getOldRowList()));
                break;
            case UPDATE: {
                Row old = existing(target, change.getOldRowList());
                Row updated = target.table.createRow(target.decode(change.getNewRowList()),
                        DefaultRow.MEMORY_CALCULATE);
                // Same row key, as H2's own UPDATE does: rows without an integer primary key keep
                // their hidden row id; with one, the key is the (possibly new) primary key value.
                updated.setKey(old.getKey());
                target.table.removeRow(session, old);
                target.table.addRow(session, updated);
                break;
            }
            default:
                throw new RowImageMismatchException("change " + index + " on " + target.name
                        + " has no kind: " + change.getKind());
            }
        } catch (DbException e) {
            throw new RowImageMismatchException("change " + index + " (" + change.getKind() + " on "
                    + target.name + ") cannot be applied: " + e.getMessage(), e.getSQLException());
        }
    }

    private void insert(TargetTable target, List<ByteString> image) throws SQLException {
        Row row = target.table.createRow(target.decode(image), DefaultRow.MEMORY_CALCULATE);
        target.table.addRow(session, row);
    }

    /** The replica's row with the image's primary key, which must equal the image. */
    private Row existing(TargetTable target, List<ByteString> image) throws SQLException {
        Value[] values = target.decode(image);
        SearchRow key = target.table.getTemplateSimpleRow(false);
        for (Column column : target.primaryKey.getColumns()) {
            key.setValue(column.getColumnId(), values[column.getColumnId()]);
        }
        Cursor cursor = target.primaryKey.find(session, key, key, false);
        if (!cursor.next()) {
            throw new RowImageMismatchException("no row with primary key " + describeKey(target, values)
                    + " in " + target.name);
        }
        Row row = cursor.get();
        for (int c = 0; c < values.length; c++) {
            byte[] actual = ValueCodec.encode(row.getValue(c), null);
            if (!image.get(c).equals(ByteString.copyFrom(actual))) {
                throw new RowImageMismatchException("row with primary key " + describeKey(target, values)
                        + " in " + target.name + " differs from the leader's image in column "
                        + target.table.getColumn(c).getName() + ": replica has "
                        + row.getValue(c).getTraceSQL() + ", leader had " + values[c].getTraceSQL());
            }
        }
        return row;
    }

    private static String describeKey(TargetTable target, Value[] values) {
        StringBuilder key = new StringBuilder("(");
        for (Column column : target.primaryKey.getColumns()) {
            if (key.length() > 1) {
                key.append(", ");
            }
            key.append(column.getName()).append('=').append(values[column.getColumnId()].getTraceSQL());
        }
        return key.append(')').toString();
    }

    private TargetTable table(RowChange change) throws SQLException {
        String name = change.getSchema() + "." + change.getTable();
        TargetTable target = tables.get(name);
        if (target == null) {
            Schema schema = session.getDatabase().findSchema(change.getSchema());
            Table table = schema == null ? null : schema.findTableOrView(session, change.getTable());
            if (table == null || table.getTableType() != TableType.TABLE) {
                throw new RowImageMismatchException("table " + name + " does not exist on this replica");
            }
            Index primaryKey = table.findPrimaryKey();
            if (primaryKey == null) {
                throw new RowImageMismatchException("table " + name + " has no primary key on this replica");
            }
            // A write lock like any DML statement takes: shared with other writers, excludes DDL.
            table.lock(session, Table.WRITE_LOCK);
            target = new TargetTable(name, table, primaryKey);
            tables.put(name, target);
        }
        return target;
    }

    private static final class TargetTable {
        final String name;
        final Table table;
        final Index primaryKey;
        final ValueCodec.ColumnDecoder decoder;

        TargetTable(String name, Table table, Index primaryKey) {
            this.name = name;
            this.table = table;
            this.primaryKey = primaryKey;
            this.decoder = new ValueCodec.ColumnDecoder(table);
        }

        Value[] decode(List<ByteString> image) throws RowImageMismatchException {
            if (image.size() != decoder.columnCount()) {
                throw new RowImageMismatchException("row image of " + name + " has " + image.size()
                        + " values, the table has " + decoder.columnCount() + " columns");
            }
            Value[] values = new Value[image.size()];
            for (int c = 0; c < values.length; c++) {
                try {
                    values[c] = decoder.decode(c, image.get(c).toByteArray());
                } catch (RuntimeException e) {
                    throw new RowImageMismatchException("value of column " + table.getColumn(c).getName()
                            + " of " + name + " cannot be decoded: " + e.getMessage(), e);
                }
            }
            return values;
        }
    }
}
