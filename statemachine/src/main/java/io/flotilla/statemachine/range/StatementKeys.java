package io.flotilla.statemachine.range;

import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;

import java.lang.reflect.Field;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.h2.command.Prepared;
import org.h2.constraint.Constraint;
import org.h2.constraint.ConstraintReferential;
import org.h2.command.dml.CommandWithValues;
import org.h2.command.dml.DataChangeStatement;
import org.h2.command.dml.Delete;
import org.h2.command.dml.Insert;
import org.h2.command.dml.Update;
import org.h2.command.query.Select;
import org.h2.engine.DbObject;
import org.h2.engine.SessionLocal;
import org.h2.expression.Expression;
import org.h2.expression.Parameter;
import org.h2.expression.ValueExpression;
import org.h2.expression.condition.Comparison;
import org.h2.index.Index;
import org.h2.index.IndexCondition;
import org.h2.message.DbException;
import org.h2.table.Column;
import org.h2.table.Table;
import org.h2.table.TableFilter;
import org.h2.table.TableType;
import org.h2.util.HasSQL;
import org.h2.value.Value;
import org.h2.value.ValueNull;

/**
 * The keys a statement touches, told from H2's plan of it before it runs (docs/ranges.md,
 * "Routing"): what decides the range a statement goes to, and what a range checks against its own
 * span before it runs one.
 *
 * <ul>
 *   <li>{@link #reads()}: every key the statement may read, as spans, never fewer: a table's whole
 *       span unless the plan bounds it by its primary key — a query or an update or delete of one
 *       table, without joins or subqueries, whose primary key columns H2 looks up by equality or
 *       {@code IN} lists (all of them: those keys; a leading part: the span of keys that begin so).
 *       Tables tied to a written table by a constraint count as read whole (the constraint is
 *       checked against them), and views as the tables under them.
 *   <li>{@link #inserted()}: the keys of the rows an {@code INSERT ... VALUES} adds, where every
 *       primary key column is given a literal or a parameter. An insert whose keys cannot be told
 *       before it runs (drawn from an identity, computed, or selected) names its table in {@link
 *       #insertsInto()} instead: where it goes is known once it ran, and the rows it wrote are
 *       checked then.
 * </ul>
 *
 * <p>A key value is used only where converting it to its column's type loses nothing in H2's own
 * comparison; anything else widens to the table's span. Wider is always safe: a statement whose
 * spans one range does not cover is not run there.
 */
public record StatementKeys(List<KeySpan> reads, List<Key> inserted, Optional<Long> insertsInto) {

    /** More points than this (a long IN list, a cross product of lists) are taken as the table's span. */
    private static final int MAX_POINTS = 256;

    public StatementKeys {
        reads = List.copyOf(reads);
        inserted = List.copyOf(inserted);
    }

    /** No keys at all: a statement that reads and writes no replicated table ({@code SELECT 1}). */
    public boolean none() {
        return reads.isEmpty() && inserted.isEmpty() && insertsInto.isEmpty();
    }

    /** Whether {@code span} holds every key the statement reads and every key told it inserts. */
    public boolean within(KeySpan span) {
        return reads.stream().allMatch(span::covers) && inserted.stream().allMatch(span::contains);
    }

    /**
     * A key of the statement that {@code span} does not hold, if there is one: the first inserted
     * key outside it, or where a read span leaves it (its start below the span, the span's end
     * above).
     */
    public Optional<Key> firstOutside(KeySpan span) {
        for (Key k : inserted) {
            if (!span.contains(k)) {
                return Optional.of(k);
            }
        }
        for (KeySpan read : reads) {
            if (!span.covers(read)) {
                return Optional.of(read.start().compareTo(span.start()) < 0 || span.end() == null ? read.start()
                        : span.end());
            }
        }
        return Optional.empty();
    }

    /** The keys of several executions of one statement (a batch): all of them. */
    public static StatementKeys union(List<StatementKeys> all) {
        List<KeySpan> reads = new ArrayList<>();
        List<Key> inserted = new ArrayList<>();
        Optional<Long> into = Optional.empty();
        for (StatementKeys k : all) {
            reads.addAll(k.reads);
            inserted.addAll(k.inserted);
            into = into.or(() -> k.insertsInto);
        }
        return new StatementKeys(reads, inserted, into);
    }

    /** The first key of the statement's spans and inserted keys, or of the table it inserts into: where to send it. */
    public Optional<Key> firstKey() {
        Optional<Key> first = reads.stream().map(KeySpan::start).min(Comparator.naturalOrder());
        Optional<Key> insert = inserted.stream().min(Comparator.naturalOrder());
        if (first.isEmpty() || (insert.isPresent() && insert.get().compareTo(first.get()) < 0)) {
            first = insert;
        }
        return first.isPresent() ? first : insertsInto.map(KeyEncoding::tablePrefix);
    }

    /**
     * The keys of {@code prepared}, parsed and prepared in {@code session}, its parameters set.
     *
     * @param ids the table ids of the replica's catalog ({@link TableIds#live})
     */
    static StatementKeys of(SessionLocal session, Prepared prepared, Map<TableName, Long> ids) {
        HashSet<DbObject> dependencies = new HashSet<>();
        prepared.collectDependencies(dependencies);
        Optional<Table> written = prepared instanceof DataChangeStatement change ? Optional.of(change.getTable())
                : Optional.empty();
        written.ifPresent(t -> {
            t.addDependencies(dependencies);
            tiedByForeignKeys(t, dependencies);
        });
        // Every table in the plan, whole, until its own lookups narrow it.
        Map<Long, List<KeySpan>> spans = new LinkedHashMap<>();
        for (DbObject object : dependencies) {
            if (object instanceof Table t) {
                tableId(t, ids).ifPresent(id -> spans.put(id, List.of(KeySpan.ofTable(id))));
            }
        }
        List<Key> inserted = new ArrayList<>();
        Optional<Long> insertsInto = Optional.empty();
        boolean singleSelect = countSelects(prepared) == (prepared.isQuery() ? 1 : 0);
        if (prepared instanceof Select select && singleSelect && select.getTopFilters().size() == 1) {
            narrow(session, select.getTopFilters().get(0), ids, spans);
        } else if (prepared instanceof Update update && singleSelect) {
            narrow(session, update.getTableFilter(), ids, spans);
        } else if (prepared instanceof Delete delete && singleSelect) {
            narrow(session, delete.getTableFilter(), ids, spans);
        } else if (prepared instanceof Insert insert) {
            Optional<Long> id = tableId(insert.getTable(), ids);
            if (id.isPresent() && singleSelect) {
                // The table an INSERT ... VALUES writes is not read by it (its primary key decides
                // where a row goes; other unique constraints keep a table whole): its rows' keys
                // say the range. One that selects may read it, and keeps its span.
                spans.remove(id.get());
                Optional<List<Key>> keys = InsertRows.keys(session, insert, id.get());
                if (keys.isPresent()) {
                    inserted.addAll(keys.get());
                } else {
                    insertsInto = id;
                }
            } else if (id.isPresent()) {
                insertsInto = id;
            }
        }
        // Anything else reads its tables whole: MERGE among them, which finds rows by its KEY
        // columns, and those need not be the primary key.
        List<KeySpan> reads = new ArrayList<>();
        spans.values().forEach(reads::addAll);
        return new StatementKeys(reads, inserted, insertsInto);
    }

    /**
     * Every table a write to {@code table} may check or change through foreign keys, both ways
     * and transitively (a cascade goes on): they are read whole. Splits never part such tables, so
     * this costs no range a statement could otherwise have kept to.
     */
    private static void tiedByForeignKeys(Table table, HashSet<DbObject> into) {
        ArrayDeque<Table> next = new ArrayDeque<>(List.of(table));
        HashSet<Table> seen = new HashSet<>();
        while (!next.isEmpty()) {
            Table t = next.poll();
            if (!seen.add(t)) {
                continue;
            }
            into.add(t);
            for (Constraint c : t.getConstraints() == null ? List.<Constraint>of() : t.getConstraints()) {
                if (c instanceof ConstraintReferential reference) {
                    next.add(reference.getTable());
                    next.add(reference.getRefTable());
                }
            }
        }
    }

    private static Optional<Long> tableId(Table table, Map<TableName, Long> ids) {
        // Replicated tables are the ones the catalog numbers: not Flotilla's own, not H2's, not temporary.
        if (table.getTableType() != TableType.TABLE || table.isTemporary()) {
            return Optional.empty();
        }
        return Optional.ofNullable(ids.get(new TableName(table.getSchema().getName(), table.getName())));
    }

    /**
     * How many SELECTs the plan holds: the statement's own, and one per subquery, derived table or
     * view expansion. More than the statement's own means rows are read beyond what its one table
     * filter says. (A literal that spells SELECT counts too, and only makes the answer wider.)
     */
    static int countSelects(Prepared prepared) {
        String plan = prepared.getPlanSQL(HasSQL.DEFAULT_SQL_FLAGS);
        int count = 0;
        for (int at = plan.indexOf("SELECT"); at >= 0; at = plan.indexOf("SELECT", at + 6)) {
            count++;
        }
        return count;
    }

    /** Replaces the table's span by the keys its primary key lookups name, where they name them all. */
    private static void narrow(SessionLocal session, TableFilter filter, Map<TableName, Long> ids,
                               Map<Long, List<KeySpan>> spans) {
        if (filter == null || filter.getJoin() != null || filter.getNestedJoin() != null) {
            return;
        }
        Table table = filter.getTable();
        Optional<Long> id = tableId(table, ids);
        Index primaryKey = table.findPrimaryKey();
        if (id.isEmpty() || primaryKey == null) {
            return;
        }
        Column[] keyColumns = primaryKey.getColumns();
        List<List<Value>> prefixes = List.of(List.of());
        for (Column column : keyColumns) {
            Optional<List<Value>> values = lookedUp(session, filter.getIndexConditions(), column);
            if (values.isEmpty()) {
                break;
            }
            List<List<Value>> longer = new ArrayList<>();
            for (List<Value> prefix : prefixes) {
                for (Value v : values.get()) {
                    List<Value> extended = new ArrayList<>(prefix);
                    extended.add(v);
                    longer.add(extended);
                }
            }
            if (longer.size() > MAX_POINTS) {
                break;
            }
            prefixes = longer;
        }
        if (prefixes.get(0).isEmpty()) {
            return;
        }
        List<KeySpan> narrowed = new ArrayList<>();
        try {
            for (List<Value> prefix : prefixes) {
                Key key = KeyEncoding.rowKey(id.get(), prefix.toArray(new Value[0]));
                // A whole key's span is that one key (the next larger is the key and one zero
                // byte); a leading part's is every key that begins with it.
                narrowed.add(prefix.size() == keyColumns.length ? KeySpan.point(key) : KeySpan.prefixedBy(key));
            }
        } catch (SQLFeatureNotSupportedException | RuntimeException notAKey) {
            return;
        }
        spans.put(id.get(), narrowed);
    }

    /**
     * The values the filter looks {@code column} up by, each converted to the column's type
     * without loss: an equality or an {@code IN} list of values the statement gives.
     */
    private static Optional<List<Value>> lookedUp(SessionLocal session, List<IndexCondition> conditions, Column column) {
        for (IndexCondition condition : conditions) {
            if (condition.isCompoundColumns() || condition.getColumn() != column) {
                continue;
            }
            try {
                if (condition.getCompareType() == Comparison.EQUAL && given(condition.getExpression())) {
                    return exact(session, column, List.of(condition.getCurrentValue(session)));
                }
                if (condition.getCompareType() == Comparison.IN_LIST
                        && condition.getExpressionList().stream().allMatch(StatementKeys::given)) {
                    return exact(session, column, List.of(condition.getCurrentValueList(session)));
                }
            } catch (DbException notConvertible) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** A literal or a parameter: a value the statement carries, the same wherever it runs. */
    static boolean given(Expression e) {
        return e instanceof ValueExpression || e instanceof Parameter;
    }

    /** The values in the column's type, if every one converts without changing in H2's comparison. */
    static Optional<List<Value>> exact(SessionLocal session, Column column, List<Value> values) {
        List<Value> converted = new ArrayList<>();
        for (Value v : values) {
            if (v == null || v == ValueNull.INSTANCE) {
                // NULL matches no key: the lookup reads nothing there, but the statement still runs somewhere.
                return Optional.empty();
            }
            Value c = column.convert(session, v);
            if (c.compareTo(v, session, session.getDatabase().getCompareMode()) != 0) {
                return Optional.empty();
            }
            converted.add(c);
        }
        return Optional.of(converted);
    }

    /**
     * The rows of an {@code INSERT ... VALUES}, read from H2's parsed command, which keeps them in
     * fields it does not expose (H2 is pinned to one version; {@code StatementKeysTest} fails if
     * they move, and an insert whose rows cannot be read is routed by its table instead).
     */
    private static final class InsertRows {
        private static final Field ROWS = field(CommandWithValues.class, "valuesExpressionList");
        private static final Field COLUMNS = field(Insert.class, "columns");

        private static Field field(Class<?> owner, String name) {
            try {
                Field f = owner.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        @SuppressWarnings("unchecked")
        static Optional<List<Key>> keys(SessionLocal session, Insert insert, long tableId) {
            if (ROWS == null || COLUMNS == null) {
                return Optional.empty();
            }
            try {
                List<Expression[]> rows = (List<Expression[]>) ROWS.get(insert);
                Column[] columns = (Column[]) COLUMNS.get(insert);
                Index primaryKey = insert.getTable().findPrimaryKey();
                if (rows == null || rows.isEmpty() || columns == null || primaryKey == null || rows.size() > MAX_POINTS) {
                    return Optional.empty();
                }
                Column[] keyColumns = primaryKey.getColumns();
                int[] positions = new int[keyColumns.length];
                for (int k = 0; k < keyColumns.length; k++) {
                    positions[k] = -1;
                    for (int c = 0; c < columns.length; c++) {
                        if (columns[c] == keyColumns[k]) {
                            positions[k] = c;
                        }
                    }
                    if (positions[k] < 0) {
                        // Drawn from an identity or a default: known once the row is written.
                        return Optional.empty();
                    }
                }
                List<Key> keys = new ArrayList<>();
                for (Expression[] row : rows) {
                    Value[] key = new Value[keyColumns.length];
                    for (int k = 0; k < keyColumns.length; k++) {
                        Expression e = row[positions[k]];
                        if (!given(e)) {
                            return Optional.empty();
                        }
                        Optional<List<Value>> v = exact(session, keyColumns[k], List.of(e.getValue(session)));
                        if (v.isEmpty()) {
                            return Optional.empty();
                        }
                        key[k] = v.get().get(0);
                    }
                    keys.add(KeyEncoding.rowKey(tableId, key));
                }
                return Optional.of(keys);
            } catch (ReflectiveOperationException | SQLFeatureNotSupportedException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
