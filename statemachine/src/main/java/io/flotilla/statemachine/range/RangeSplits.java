package io.flotilla.statemachine.range;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.statemachine.changes.EmbeddedSession;
import io.flotilla.statemachine.changes.RowKeys;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.store.AppliedPosition;
import io.flotilla.statemachine.store.AppliedTable;
import io.flotilla.statemachine.store.RangeStore;
import io.flotilla.statemachine.store.StoreOptions;
import io.flotilla.statemachine.wire.Split;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

import org.h2.constraint.Constraint;
import org.h2.constraint.ConstraintReferential;
import org.h2.engine.SessionLocal;
import org.h2.index.Index;
import org.h2.schema.Schema;
import org.h2.table.Table;
import org.h2.table.TableType;

/**
 * Splits a range at a key, on every replica at the same entry (docs/ranges.md, "Split"): the range
 * keeps the keys below the split key, a new range takes the rest, both at the next generation.
 * The new range's first image is made here from this replica's own rows as of the entry, and made
 * durable through {@link NewRanges} before the range deletes those rows: a crash at any point
 * leaves the old range whole (its log replays the split) or both ranges, never a gap.
 *
 * <p>What may not be split, refused alike at the proposal and at the apply (where the schema is
 * the one every replica has at that entry): a key outside the span or at its start; a table tied
 * to a table on the other side by a foreign key; a table cut in two that has a foreign key or a
 * unique constraint besides its primary key. H2 checks those within one database only, so until
 * indexes span ranges their tables stay together.
 */
final class RangeSplits {

    private static final System.Logger LOG = System.getLogger(RangeSplits.class.getName());

    private final long range;
    private final StoreOptions storeOptions;

    RangeSplits(long range, StoreOptions storeOptions) {
        this.range = range;
        this.storeOptions = storeOptions;
    }

    /** Why the range may not split at {@code at} now, if it may not: for the leader and for the apply alike. */
    Optional<String> refusal(Connection connection, RangeBounds bounds, Key at, long generation) throws SQLException {
        if (generation != bounds.generation()) {
            return Optional.of("the split was proposed at generation " + generation + " of range " + range
                    + ", which is at generation " + bounds.generation() + " now");
        }
        if (!bounds.span().contains(at) || at.equals(bounds.span().start())) {
            return Optional.of("key " + at + " is not inside range " + range + "'s span " + bounds.span()
                    + " (a split key must be above its start)");
        }
        if (PreparedParts.any(connection)) {
            // A split rolls back the transactions held here; a prepared part must stay until resolved.
            return Optional.of("range " + range + " holds prepared parts of transactions across ranges; split it "
                    + "once they are resolved");
        }
        return tiedAcross(connection, at);
    }

    /**
     * Applies a split in the apply session's open transaction, which the caller commits with its
     * bookkeeping. The caller has rolled back every held transaction. Returns the range's new bounds.
     */
    RangeBounds apply(Connection apply, RangeStore store, RangeBounds bounds, Split split, AppliedPosition at,
                      Membership membership, NewRanges newRanges) throws SQLException, IOException {
        Key key = Key.of(split.getSplitKey().toByteArray());
        long generation = bounds.generation() + 1;
        RangeBounds left = new RangeBounds(range, new KeySpan(bounds.span().start(), key), generation);
        RangeBounds right = new RangeBounds(split.getNewRange(), new KeySpan(key, bounds.span().end()), generation);
        if (!newRanges.isMember(membership)) {
            LOG.log(System.Logger.Level.INFO, "range " + range + ": this node is no member of range " + right.range()
                    + " (" + membership + "): it keeps no replica of it");
        } else if (newRanges.holds(right.range())) {
            // Made by this split's apply before a crash undid the rest of it: only this side is left to do.
            LOG.log(System.Logger.Level.INFO, "range " + range + ": range " + right.range()
                    + " of the split at index " + at.index() + " exists here already");
        } else {
            createRight(store, right, at, membership, newRanges);
        }
        long deleted = RowKeys.deleteOutside(apply, left.span(), ids(apply));
        RangeBounds.replace(apply, left);
        LOG.log(System.Logger.Level.INFO, "range " + range + ": split at " + key + " (index " + at.index()
                + "): keeps " + left.span() + ", range " + right.range() + " takes " + right.span()
                + " with " + deleted + " rows; generation " + generation);
        return left;
    }

    /** The new range's store, built from this replica's rows, then its log from that store's image. */
    private void createRight(RangeStore store, RangeBounds right, AppliedPosition at, Membership membership,
                             NewRanges newRanges) throws SQLException, IOException {
        try (RangeStore building = RangeStore.open(newRanges.databaseDirectory(right.range()), storeOptions)) {
            try (ReadableByteChannel image = store.snapshot()) {
                building.install(image);
            }
            try (Connection c = building.connect()) {
                c.setAutoCommit(false);
                RowKeys.deleteOutside(c, right.span(), ids(c));
                RangeBounds.replace(c, right);
                // As in the old range: both halves have the same schema version from the split on.
                SchemaVersions.read(c).changed(c, at.index(), SchemaDiff.RANGE_WIDE);
                AppliedTable.write(c, at);
                c.commit();
            }
            newRanges.create(right.range(), new SnapshotMeta(at.index(), at.term(), membership), building.snapshot());
        }
    }

    private static RowKeys.TableIdOf ids(Connection connection) throws SQLException {
        return TableIds.lookup(TableIds.live(connection));
    }

    /** Which side of the key a table's rows are on. */
    private enum Side { BELOW, ABOVE, CUT }

    private static Side side(long tableId, Key at) {
        KeySpan table = KeySpan.ofTable(tableId);
        if (table.end().compareTo(at) <= 0) {
            return Side.BELOW;
        }
        return table.start().compareTo(at) >= 0 ? Side.ABOVE : Side.CUT;
    }

    /** A constraint that H2 can check only if the split leaves its tables in one database. */
    private static Optional<String> tiedAcross(Connection connection, Key at) throws SQLException {
        Map<TableName, Long> ids = TableIds.live(connection);
        SessionLocal session = EmbeddedSession.of(connection);
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            for (Table table : schema.getAllTablesAndViews(session)) {
                Long id = ids.get(new TableName(schema.getName(), table.getName()));
                if (id == null || table.getTableType() != TableType.TABLE) {
                    continue;
                }
                Side side = side(id, at);
                if (side == Side.CUT) {
                    for (Index index : table.getIndexes()) {
                        if (index.getIndexType().isUnique() && !index.getIndexType().isPrimaryKey()) {
                            return Optional.of("unique index " + index.getName() + " on " + table.getName()
                                    + " is checked within one range: a table with a unique index besides its "
                                    + "primary key is not split inside until indexes span ranges");
                        }
                    }
                }
                for (Constraint constraint : table.getConstraints()) {
                    if (constraint.getTable() != table) {
                        continue;
                    }
                    if (constraint instanceof ConstraintReferential reference) {
                        Table parent = reference.getRefTable();
                        Long parentId = ids.get(new TableName(parent.getSchema().getName(), parent.getName()));
                        Side parentSide = parentId == null ? side : side(parentId, at);
                        if (side == Side.CUT || parentSide == Side.CUT || side != parentSide) {
                            return Optional.of("foreign key " + constraint.getName() + " ties " + table.getName()
                                    + " to " + parent.getName() + ", and the split would part their rows: tables "
                                    + "joined by foreign keys stay in one range until indexes span ranges");
                        }
                    } else if (side == Side.CUT && constraint.getConstraintType() == Constraint.Type.UNIQUE) {
                        return Optional.of("unique constraint " + constraint.getName() + " on " + table.getName()
                                + " is checked within one range: a table with a unique constraint besides its "
                                + "primary key is not split inside until indexes span ranges");
                    }
                }
            }
        }
        return Optional.empty();
    }
}
