package io.flotilla.statemachine.range;

import java.lang.reflect.Field;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

import org.h2.command.CommandInterface;
import org.h2.command.Prepared;
import org.h2.command.ddl.AlterTableAddConstraint;
import org.h2.command.ddl.AlterTableAlterColumn;
import org.h2.command.ddl.CommandWithColumns;
import org.h2.command.ddl.CreateIndex;
import org.h2.command.ddl.CreateTable;
import org.h2.table.Column;

/**
 * The schema changes that may run once the tables lie in several ranges (docs/ranges.md, "Schema
 * changes"): those whose outcome cannot depend on which rows a range holds. Each range runs the
 * change on its own rows; one that could succeed in one range and fail in another (a constraint
 * checked against existing rows, a column made {@code NOT NULL}, a type change, a unique index)
 * would leave the ranges with different schemas, and a foreign key would be checked against the
 * rows of one range only. Those are refused with {@code 0A000} before they reach any range's log;
 * everything else on the list below runs in every range.
 *
 * <p>The H2 fields read here by reflection are pinned with H2 (2.3.232); {@code SchemaFanOutTest}
 * fails if they move.
 */
final class SplitSchemaRules {

    /** Changes whose outcome depends on the schema alone, never on a range's rows. */
    private static final Set<Integer> SCHEMA_ONLY = Set.of(
            CommandInterface.CREATE_TABLE, CommandInterface.CREATE_VIEW, CommandInterface.CREATE_SEQUENCE,
            CommandInterface.CREATE_SCHEMA, CommandInterface.CREATE_DOMAIN, CommandInterface.CREATE_INDEX,
            CommandInterface.CREATE_SYNONYM,
            CommandInterface.DROP_TABLE, CommandInterface.DROP_VIEW, CommandInterface.DROP_SEQUENCE,
            CommandInterface.DROP_SCHEMA, CommandInterface.DROP_DOMAIN, CommandInterface.DROP_INDEX,
            CommandInterface.DROP_SYNONYM,
            CommandInterface.ALTER_TABLE_ADD_COLUMN, CommandInterface.ALTER_TABLE_DROP_COLUMN,
            CommandInterface.ALTER_TABLE_ALTER_COLUMN_DEFAULT, CommandInterface.ALTER_TABLE_ALTER_COLUMN_DROP_NOT_NULL,
            CommandInterface.ALTER_TABLE_ALTER_COLUMN_RENAME, CommandInterface.ALTER_TABLE_ALTER_COLUMN_VISIBILITY,
            CommandInterface.ALTER_TABLE_ALTER_COLUMN_ON_UPDATE, CommandInterface.ALTER_TABLE_ALTER_COLUMN_DEFAULT_ON_NULL,
            CommandInterface.ALTER_TABLE_ALTER_COLUMN_SELECTIVITY,
            CommandInterface.ALTER_TABLE_DROP_CONSTRAINT, CommandInterface.ALTER_TABLE_RENAME,
            CommandInterface.ALTER_TABLE_RENAME_CONSTRAINT, CommandInterface.ALTER_INDEX_RENAME,
            CommandInterface.ALTER_SCHEMA_RENAME, CommandInterface.ALTER_SEQUENCE, CommandInterface.ALTER_VIEW,
            CommandInterface.ALTER_DOMAIN_DEFAULT, CommandInterface.ALTER_DOMAIN_RENAME,
            CommandInterface.ALTER_DOMAIN_DROP_CONSTRAINT,
            CommandInterface.COMMENT, CommandInterface.TRUNCATE_TABLE);

    private static final Field CONSTRAINTS = field(CommandWithColumns.class, "constraintCommands");
    private static final Field AS_QUERY = field(CreateTable.class, "asQuery");
    private static final Field UNIQUE_COLUMNS = field(CreateIndex.class, "uniqueColumnCount");
    private static final Field COLUMNS_TO_ADD = field(AlterTableAlterColumn.class, "columnsToAdd");

    private SplitSchemaRules() {
    }

    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("H2 changed: " + owner.getName() + "." + name + " is gone", e);
        }
    }

    /**
     * Refuses a change that could have another outcome in one range than in another.
     *
     * @throws SQLException 0A000, saying why
     */
    static void check(Prepared prepared) throws SQLException {
        int type = prepared.getType();
        if (!SCHEMA_ONLY.contains(type)) {
            refuse("this kind of schema change (H2 command " + type + ") checks or converts existing rows, "
                    + "which a range can do for its own rows only");
        }
        try {
            if (prepared instanceof CreateTable create && AS_QUERY.get(create) != null) {
                refuse("CREATE TABLE ... AS SELECT would copy each range's own rows into its own copy of the table");
            }
            if (prepared instanceof CreateIndex index && (int) UNIQUE_COLUMNS.get(index) > 0) {
                refuse("a unique index is checked against the rows of one range only");
            }
            if (prepared instanceof CommandWithColumns withColumns) {
                List<?> constraints = (List<?>) CONSTRAINTS.get(withColumns);
                if (constraints != null) {
                    for (Object c : constraints) {
                        if (c instanceof AlterTableAddConstraint add
                                && add.getType() == CommandInterface.ALTER_TABLE_ADD_CONSTRAINT_REFERENTIAL) {
                            refuse("a foreign key is checked against the rows of one range only");
                        }
                        if (c instanceof AlterTableAddConstraint && type == CommandInterface.ALTER_TABLE_ADD_COLUMN) {
                            refuse("a constraint on an added column is checked against each range's own rows");
                        }
                    }
                }
            }
            if (prepared instanceof AlterTableAlterColumn alter && type == CommandInterface.ALTER_TABLE_ADD_COLUMN) {
                List<?> columns = (List<?>) COLUMNS_TO_ADD.get(alter);
                for (Object o : columns == null ? List.of() : columns) {
                    Column column = (Column) o;
                    if (!column.isNullable() && column.getDefaultExpression() == null) {
                        refuse("column " + column.getName() + " is added NOT NULL without a default, which fails "
                                + "in a range that holds rows and not in one that holds none");
                    }
                    if (column.isIdentity()) {
                        refuse("an identity column added to existing rows would number each range's rows apart");
                    }
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("H2's fields are set accessible above", e);
        }
    }

    private static void refuse(String why) throws SQLException {
        throw new SQLException("the tables are split into ranges, and " + why + "; not supported yet", SqlStates.NOT_SUPPORTED);
    }
}
