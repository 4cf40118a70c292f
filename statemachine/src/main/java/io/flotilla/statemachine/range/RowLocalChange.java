package io.flotilla.statemachine.range;

import org.h2.command.Prepared;
import org.h2.command.dml.Delete;
import org.h2.command.dml.Update;
import org.h2.engine.DbObject;
import org.h2.table.Table;
import org.h2.util.HasSQL;

import java.util.HashSet;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a statement changes each row it touches by what that row holds alone: an {@code UPDATE}
 * or {@code DELETE} of one table whose conditions and new values read no other row (no subquery,
 * no other table, sequence or function alias, no {@code LIMIT}/{@code FETCH}). Run in every range
 * that holds keys of its table, such a statement changes exactly the rows it changes in one
 * database (each range holds its own rows), which is how a node runs one whose keys span ranges
 * (docs/ranges.md, "Statements across ranges"). Anything else is not, and stays refused.
 */
public final class RowLocalChange {

    /**
     * Words of a statement that reads more than its own row: a subquery ({@code SELECT}, {@code
     * TABLE}, {@code VALUES} in H2's rendering of the plan) or a limit on the rows changed.
     */
    private static final Pattern READS_MORE = Pattern.compile("\\b(SELECT|TABLE|VALUES|FETCH|LIMIT|OFFSET)\\b");
    /** Quoted identifiers and string literals, whose words are names and values, not SQL. */
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|/\\*.*?\\*/");

    private RowLocalChange() {
    }

    static boolean of(Prepared prepared) {
        if (!(prepared instanceof Update) && !(prepared instanceof Delete)) {
            return false;
        }
        Table target = prepared instanceof Update u ? u.getTable() : ((Delete) prepared).getTable();
        HashSet<DbObject> dependencies = new HashSet<>();
        prepared.collectDependencies(dependencies);
        for (DbObject d : dependencies) {
            if (d != target) {
                return false;
            }
        }
        // The plan as H2 renders it, without the part that names the target table ("UPDATE
        // "PUBLIC"."T" SET ..."): names and literals out, only SQL's own words are left to look at.
        String plan = QUOTED.matcher(prepared.getPlanSQL(HasSQL.DEFAULT_SQL_FLAGS)).replaceAll(" ");
        int firstWord = plan.indexOf(' ');
        String rest = plan.substring(firstWord + 1).toUpperCase(Locale.ROOT);
        return !READS_MORE.matcher(rest).find();
    }
}
