package io.flotilla.statemachine.changes;

import io.flotilla.statemachine.wire.SequenceFloor;
import java.sql.SQLException;
import java.util.List;
import org.h2.engine.SessionLocal;
import org.h2.schema.Schema;
import org.h2.schema.Sequence;
import org.h2.table.Column;
import org.h2.table.Table;

/**
 * Raises a replica's sequences to the floors of a change set: afterwards none of them hands out a
 * value at or before (in its direction) a value the leader used. A floor never lowers a sequence,
 * so change sets may carry floors in any order and applying one twice is harmless.
 *
 * <p>The raised position is flushed to the database file at once (H2 writes sequence positions
 * through its system session, outside the caller's transaction). If the caller then rolls back,
 * the sequence stays raised, which is safe; if it commits, the floor cannot be lost in a crash
 * while the applied index that says "this change set is in" survives.
 *
 * <p>CYCLE sequences repeat values by definition; they are kept from moving backwards only.
 */
final class SequenceFloors {

    private SequenceFloors() {
    }

    static void raise(SessionLocal session, List<SequenceFloor> floors) throws SQLException {
        for (SequenceFloor floor : floors) {
            raise(session, resolve(session, floor), floor);
        }
    }

    private static void raise(SessionLocal session, Sequence sequence, SequenceFloor floor) {
        if (sequence.getCycle() == Sequence.Cycle.EXHAUSTED) {
            return;
        }
        if (floor.getExhausted()) {
            sequence.modify(null, null, null, null, null, Sequence.Cycle.EXHAUSTED, null);
            sequence.flush(session);
            return;
        }
        long increment = sequence.getIncrement();
        long next = floor.getUsedUpTo() + increment;
        boolean overflow = increment > 0 ? next < floor.getUsedUpTo() : next > floor.getUsedUpTo();
        boolean beyondRange = overflow || next > sequence.getMaxValue() || next < sequence.getMinValue();
        if (beyondRange) {
            if (sequence.getCycle() == Sequence.Cycle.NO_CYCLE) {
                sequence.modify(null, null, null, null, null, Sequence.Cycle.EXHAUSTED, null);
                sequence.flush(session);
            }
            return;
        }
        long current = sequence.getBaseValue();
        if (increment > 0 ? next > current : next < current) {
            sequence.modify(next, null, null, null, null, null, null);
            sequence.flush(session);
        }
    }

    private static Sequence resolve(SessionLocal session, SequenceFloor floor) throws SQLException {
        Schema schema = session.getDatabase().findSchema(floor.getSchema());
        if (schema == null) {
            throw missing(floor, "schema " + floor.getSchema() + " does not exist");
        }
        if (!floor.getTable().isEmpty()) {
            Table table = schema.findTableOrView(session, floor.getTable());
            if (table == null) {
                throw missing(floor, "table " + floor.getSchema() + "." + floor.getTable() + " does not exist");
            }
            Column column = table.getColumn(floor.getColumn(), true);
            if (column == null || column.getSequence() == null) {
                throw missing(floor, "column " + floor.getColumn() + " of " + floor.getSchema() + "."
                        + floor.getTable() + " is not an identity column");
            }
            return column.getSequence();
        }
        Sequence sequence = schema.findSequence(floor.getName());
        if (sequence == null) {
            throw missing(floor, "sequence " + floor.getSchema() + "." + floor.getName() + " does not exist");
        }
        return sequence;
    }

    private static SQLException missing(SequenceFloor floor, String why) {
        return new RowImageMismatchException("cannot apply sequence floor " + floor.getUsedUpTo() + ": " + why);
    }
}
