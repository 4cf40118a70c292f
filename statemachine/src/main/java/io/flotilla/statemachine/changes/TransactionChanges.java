package io.flotilla.statemachine.changes;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.h2.engine.SessionLocal;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.db.MVPrimaryIndex;
import org.h2.mvstore.db.MVTable;
import org.h2.mvstore.db.Store;
import org.h2.mvstore.tx.Transaction;
import org.h2.mvstore.tx.TransactionStore;
import org.h2.value.VersionedValue;
import org.h2.result.SearchRow;
import org.h2.schema.TriggerObject;

/**
 * Reads the row changes of an open H2 transaction from its undo log.
 *
 * <p>Why the undo log and not rows collected by the capture trigger: H2 rolls back a failed
 * statement (a multi-row INSERT hitting a duplicate key, a foreign key check that runs after the
 * row triggers, a nested statement in a user trigger) to a savepoint without telling row triggers,
 * so rows a trigger saw may never have happened. The undo log holds exactly the writes that are
 * still part of the transaction, one record per write to a table's primary index, in execution
 * order, including cascaded foreign key actions and writes made by user triggers. Replaying those
 * primary-index writes in the same order on a follower passes through the same sequence of table
 * states the leader passed through, so unique indexes never see a conflict that the leader did
 * not (e.g. a multi-row UPDATE that shifts keys: H2 removes all old rows before adding the new).
 *
 * <p>Each undo record names the primary index map and row key and holds the row before the
 * write; the row after it is the "before" of the next record on the same key, or the current
 * value for the last one. Records whose before and after are the same row are lock records
 * (SELECT FOR UPDATE, UPDATE/DELETE row locks) and carry no change. A removal directly followed by
 * an insertion of the same key (a single-row UPDATE) becomes one UPDATE change.
 */
final class TransactionChanges {

    private final Store store;
    private final Map<MVTable, Boolean> captured = new IdentityHashMap<>();

    TransactionChanges(SessionLocal session) {
        this.store = session.getDatabase().getStore();
    }

    /**
     * The changes made by {@code transaction} since {@code fromLogId}, in execution order.
     *
     * @param budget charged with each change's serialized size; fails above its limit
     */
    List<RowChange> read(Transaction transaction, long fromLogId, ChangeSetBudget budget) throws SQLException {
        List<Write> newestFirst = new ArrayList<>();
        Map<RowKey, SearchRow> laterBefore = new HashMap<>();
        Iterator<TransactionStore.Change> undo = transaction.getChanges(fromLogId);
        while (undo.hasNext()) {
            TransactionStore.Change change = undo.next();
            MVTable table = store.getTable(change.mapName);
            if (table == null || !isCaptured(table)) {
                continue; // a secondary index, or a table Flotilla does not replicate
            }
            RowKey key = new RowKey(change.mapName, change.key);
            SearchRow before = (SearchRow) change.value;
            SearchRow after = laterBefore.containsKey(key) ? laterBefore.get(key) : currentRow(table, change.key);
            laterBefore.put(key, before);
            newestFirst.add(new Write(table, key, before, after));
        }
        Collections.reverse(newestFirst);
        return toRowChanges(newestFirst, budget);
    }

    private List<RowChange> toRowChanges(List<Write> writes, ChangeSetBudget budget) throws SQLException {
        List<RowChange> changes = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            Write write = writes.get(i);
            RowChange.Builder change = RowChange.newBuilder()
                    .setSchema(write.table.getSchema().getName())
                    .setTable(write.table.getName());
            if (write.before == null && write.after == null) {
                continue;
            } else if (write.before == null) {
                change.setKind(RowChange.Kind.INSERT);
                addImage(change, write.after, false, budget);
            } else if (write.after == null) {
                Write next = i + 1 < writes.size() ? writes.get(i + 1) : null;
                addImage(change, write.before, true, budget);
                if (next != null && next.before == null && next.after != null && next.key.equals(write.key)) {
                    change.setKind(RowChange.Kind.UPDATE);
                    addImage(change, next.after, false, budget);
                    i++;
                } else {
                    change.setKind(RowChange.Kind.DELETE);
                }
            } else {
                if (write.before == write.after) {
                    continue; // a row lock
                }
                addImage(change, write.before, true, budget);
                addImage(change, write.after, false, budget);
                if (change.getOldRowList().equals(change.getNewRowList())) {
                    continue; // a row lock whose row object was re-read
                }
                change.setKind(RowChange.Kind.UPDATE);
            }
            RowChange built = change.build();
            budget.charge(CodedOutputStream.computeMessageSize(ChangeSet.CHANGES_FIELD_NUMBER, built));
            changes.add(built);
        }
        return changes;
    }

    private static void addImage(RowChange.Builder change, SearchRow row, boolean old, ChangeSetBudget budget)
            throws SQLException {
        for (int c = 0, n = row.getColumnCount(); c < n; c++) {
            ByteString value = ByteString.copyFrom(ValueCodec.encode(row.getValue(c), budget));
            if (old) {
                change.addOldRow(value);
            } else {
                change.addNewRow(value);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static SearchRow currentRow(MVTable table, Object key) {
        MVPrimaryIndex primary = (MVPrimaryIndex) table.getScanIndex(null);
        MVMap<Long, VersionedValue<SearchRow>> map = primary.getMVMap();
        VersionedValue<SearchRow> value = map.get((Long) key);
        return value == null ? null : value.getCurrentValue();
    }

    private boolean isCaptured(MVTable table) throws SQLException {
        Boolean known = captured.get(table);
        if (known == null) {
            known = decideCaptured(table);
            captured.put(table, known);
        }
        return known;
    }

    private static boolean decideCaptured(MVTable table) throws SQLException {
        if (!ReservedNames.isUserSchema(table.getSchema().getName()) || table.isTemporary()) {
            return false;
        }
        List<TriggerObject> triggers = table.getTriggers();
        if (triggers != null) {
            for (TriggerObject trigger : triggers) {
                if (trigger.getName().startsWith(ReservedNames.CAPTURE_TRIGGER_PREFIX)) {
                    return true;
                }
            }
        }
        // Never drop a write silently: a user table without capture cannot be replicated.
        throw new SQLException("table " + ReservedNames.qualified(table)
                + " was written but has no Flotilla change capture installed", "55000");
    }

    /** A row's identity within one transaction: its table's primary index map and row key. */
    private static final class RowKey {
        private final String map;
        private final Object key;

        RowKey(String map, Object key) {
            this.map = map;
            this.key = key;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof RowKey)) {
                return false;
            }
            RowKey that = (RowKey) other;
            return map.equals(that.map) && Objects.equals(key, that.key);
        }

        @Override
        public int hashCode() {
            return map.hashCode() * 31 + Objects.hashCode(key);
        }
    }

    /** One write to a table's primary index: the row before and after it (null: absent). */
    private static final class Write {
        final MVTable table;
        final RowKey key;
        final SearchRow before;
        final SearchRow after;

        Write(MVTable table, RowKey key, SearchRow before, SearchRow after) {
            this.table = table;
            this.key = key;
            this.before = before;
            this.after = after;
        }
    }
}
