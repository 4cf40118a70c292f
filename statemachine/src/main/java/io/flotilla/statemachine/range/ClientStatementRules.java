package io.flotilla.statemachine.range;

import org.h2.command.Prepared;
import org.h2.command.ddl.CreateAggregate;
import org.h2.command.ddl.CreateFunctionAlias;
import org.h2.command.ddl.CreateLinkedTable;
import org.h2.command.ddl.DropDatabase;
import org.h2.command.dml.DataChangeStatement;
import org.h2.table.Table;

import java.sql.SQLException;

/**
 * Statements a client may not run on a replicated database, judged on H2's parse of them:
 * <ul>
 *   <li>writes to the {@code FLOTILLA} schema, where each replica keeps its own bookkeeping
 *       (applied index, sessions, schema versions): no capture runs there, so such a write would
 *       change the leader alone, or break every replica at once;
 *   <li>{@code DROP ALL OBJECTS}, which drops that bookkeeping too;
 *   <li>{@code CREATE ALIAS} and {@code CREATE AGGREGATE}, which load Java code (any static method
 *       on the class path, or source compiled on the spot) into every node;
 *   <li>{@code CREATE LINKED TABLE}, which reaches another database or the node's files.
 * </ul>
 * DDL that would change the {@code FLOTILLA} schema is refused by the dry run ({@link SchemaDryRun}).
 */
final class ClientStatementRules {

    static final String RESERVED_SCHEMA = "FLOTILLA";

    private ClientStatementRules() {
    }

    static void check(Prepared prepared) throws SQLException {
        if (prepared instanceof DataChangeStatement change) {
            Table table = change.getTable();
            if (table != null && RESERVED_SCHEMA.equals(table.getSchema().getName())) {
                throw refused("writes to the " + RESERVED_SCHEMA + " schema, which holds each replica's own bookkeeping");
            }
        } else if (prepared instanceof DropDatabase) {
            throw refused("DROP ALL OBJECTS, which would drop the range's own bookkeeping");
        } else if (prepared instanceof CreateFunctionAlias || prepared instanceof CreateAggregate) {
            throw refused("user-defined Java functions: they would load code into every node");
        } else if (prepared instanceof CreateLinkedTable) {
            throw refused("linked tables: they reach other databases or the node's files");
        }
    }

    private static SQLException refused(String what) {
        return new SQLException("not available on a replicated database: " + what, SqlStates.NOT_SUPPORTED);
    }
}
