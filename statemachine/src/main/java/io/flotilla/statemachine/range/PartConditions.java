package io.flotilla.statemachine.range;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.h2.command.Prepared;
import org.h2.command.query.Select;
import org.h2.engine.DbObject;
import org.h2.expression.Expression;
import org.h2.expression.Parameter;
import org.h2.expression.condition.Comparison;
import org.h2.index.IndexCondition;
import org.h2.table.Table;
import org.h2.table.TableFilter;
import org.h2.table.TableType;
import org.h2.util.HasSQL;

/**
 * What a query across ranges may ask each range for, table by table, instead of its whole part of
 * the table (docs/ranges.md, "Statements across ranges"): the conditions H2's plan looks the table
 * up by (its index conditions: comparisons and {@code IN} lists of a column with values the
 * statement gives), as SQL over the table's own columns. A row that fails one of them cannot be in
 * the answer, since H2 itself reads only the rows that pass them; so a range that returns only
 * those rows changes nothing in the answer. The values are literals and parameters only ({@code
 * ?1} stands for the statement's first parameter): the range evaluates them as the node would.
 *
 * <p>Only the tables of a single {@code SELECT}'s own filters, each read there once, get
 * conditions: a table read again in a subquery, a view or a second filter is asked for whole.
 */
public final class PartConditions {

    /**
     * The conditions of one table, as SQL; {@code parameters}: how many of the query's parameters
     * it needs bound ({@code ?1} to {@code ?parameters}).
     */
    public record Condition(String sql, int parameters) {
    }

    private PartConditions() {
    }

    /** The conditions per table id; a table the query reads that is not in the map is read whole. */
    static Map<Long, Condition> of(Prepared prepared, Map<TableName, Long> ids) {
        if (!(prepared instanceof Select select)) {
            return Map.of();
        }
        List<TableFilter> filters = new ArrayList<>();
        for (TableFilter top : select.getTopFilters()) {
            for (TableFilter f = top; f != null; f = f.getJoin()) {
                if (f.getNestedJoin() != null) {
                    return Map.of();
                }
                filters.add(f);
            }
        }
        // A table read anywhere else (a subquery, a view, a second filter) is read whole.
        HashSet<DbObject> dependencies = new HashSet<>();
        prepared.collectDependencies(dependencies);
        Map<Table, Integer> seen = new HashMap<>();
        filters.forEach(f -> seen.merge(f.getTable(), 1, Integer::sum));
        Set<Table> elsewhere = new HashSet<>();
        if (StatementKeys.countSelects(prepared) != 1) {
            dependencies.stream().filter(d -> d instanceof Table).forEach(d -> elsewhere.add((Table) d));
        }
        Map<Long, Condition> out = new HashMap<>();
        for (TableFilter f : filters) {
            Table t = f.getTable();
            if (seen.get(t) != 1 || elsewhere.contains(t) || t.getTableType() != TableType.TABLE || t.isTemporary()) {
                continue;
            }
            Long id = ids.get(new TableName(t.getSchema().getName(), t.getName()));
            Optional<Condition> conditions = conditions(f.getIndexConditions());
            if (id != null && conditions.isPresent()) {
                out.put(id, conditions.get());
            }
        }
        return out;
    }

    private static Optional<Condition> conditions(List<IndexCondition> conditions) {
        List<String> sql = new ArrayList<>();
        int parameters = 0;
        for (IndexCondition c : conditions) {
            if (c.isCompoundColumns() || c.getCompareType() == Comparison.IN_QUERY
                    || c.getCompareType() == Comparison.IN_ARRAY) {
                continue;
            }
            List<Expression> values = c.getCompareType() == Comparison.IN_LIST ? c.getExpressionList()
                    : c.getExpression() == null ? List.of() : List.of(c.getExpression());
            if (values.isEmpty() || !values.stream().allMatch(StatementKeys::given)) {
                continue;
            }
            for (Expression v : values) {
                if (v instanceof Parameter p) {
                    parameters = Math.max(parameters, p.getIndex() + 1);
                }
            }
            sql.add(c.getSQL(HasSQL.DEFAULT_SQL_FLAGS));
        }
        return sql.isEmpty() ? Optional.empty() : Optional.of(new Condition(String.join(" AND ", sql), parameters));
    }
}
