package io.flotilla.statemachine.changes;

import io.flotilla.statemachine.wire.SequenceFloor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.h2.engine.Database;
import org.h2.engine.SessionLocal;
import org.h2.schema.Schema;
import org.h2.schema.Sequence;
import org.h2.table.Column;
import org.h2.table.Table;
import org.h2.table.TableType;

/**
 * The positions of all user sequences (identity columns included) at one moment, and the floors a
 * transaction's change set must carry.
 *
 * <p>Why this is safe: H2 sequences are not transactional; a value handed out stays handed out
 * even if the transaction rolls back. A recorder takes these positions when it starts and again
 * when its change set is built. Every value the recording session drew from a sequence was drawn
 * in between, so that sequence's position moved, and its position at change-set time is at or
 * beyond that value. Shipping "the last value handed out" (H2's current value) of every sequence
 * that moved, and having every replica raise its sequence to at least that floor, therefore covers
 * every value a committed change set used: a follower that becomes leader continues beyond it.
 * Movement caused by other sessions is shipped too, which is harmless (a floor only ever raises).
 * Values drawn by transactions that never commit are not protected, and need not be.
 *
 * <p>Cost: one pass over the database's sequences per transaction start and per change set, in
 * memory, no I/O; only the moved ones go on the wire.
 */
final class SequencePositions {

    private final Map<Sequence, Long> baseValues;

    private SequencePositions(Map<Sequence, Long> baseValues) {
        this.baseValues = baseValues;
    }

    static SequencePositions of(Database database) {
        Map<Sequence, Long> bases = new IdentityHashMap<>();
        for (Schema schema : database.getAllSchemasNoMeta()) {
            if (ReservedNames.isUserSchema(schema.getName())) {
                for (Sequence sequence : schema.getAllSequences()) {
                    bases.put(sequence, sequence.getBaseValue());
                }
            }
        }
        return new SequencePositions(bases);
    }

    /** Floors for every sequence whose position differs from {@code earlier}'s (or is new). */
    List<SequenceFloor> floorsSince(SequencePositions earlier, SessionLocal session) {
        List<SequenceFloor> floors = new ArrayList<>();
        Map<Sequence, Column> identities = null;
        for (Map.Entry<Sequence, Long> entry : baseValues.entrySet()) {
            Sequence sequence = entry.getKey();
            Long before = earlier.baseValues.get(sequence);
            boolean exhausted = sequence.getCycle() == Sequence.Cycle.EXHAUSTED;
            if (before != null && before.longValue() == entry.getValue() && !exhausted) {
                continue;
            }
            SequenceFloor.Builder floor = SequenceFloor.newBuilder()
                    .setSchema(sequence.getSchema().getName())
                    .setUsedUpTo(entry.getValue() - sequence.getIncrement())
                    .setExhausted(exhausted);
            if (sequence.getBelongsToTable()) {
                if (identities == null) {
                    identities = identityColumns(session);
                }
                Column column = identities.get(sequence);
                if (column == null) {
                    continue; // its table was dropped meanwhile: nothing left to protect
                }
                floor.setTable(column.getTable().getName()).setColumn(column.getName());
            } else {
                floor.setName(sequence.getName());
            }
            floors.add(floor.build());
        }
        return floors;
    }

    private static Map<Sequence, Column> identityColumns(SessionLocal session) {
        Map<Sequence, Column> columns = new IdentityHashMap<>();
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            if (!ReservedNames.isUserSchema(schema.getName())) {
                continue;
            }
            for (Table table : schema.getAllTablesAndViews(session)) {
                if (table.getTableType() != TableType.TABLE) {
                    continue;
                }
                for (Column column : table.getColumns()) {
                    Sequence sequence = column.getSequence();
                    if (sequence != null) {
                        columns.put(sequence, column);
                    }
                }
            }
        }
        return columns;
    }
}
