package io.flotilla.statemachine.range;

import org.h2.command.Prepared;
import org.h2.command.ddl.CreateAggregate;
import org.h2.command.ddl.CreateFunctionAlias;
import org.h2.command.ddl.CreateLinkedTable;
import org.h2.command.ddl.CreateTable;
import org.h2.command.ddl.CreateTableData;
import org.h2.command.ddl.DropDatabase;
import org.h2.command.dml.DataChangeStatement;
import org.h2.table.Table;

import java.lang.reflect.Field;
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
 *   <li>{@code CREATE LINKED TABLE}, which reaches another database or the node's files;
 *   <li>temporary tables, local or global: a schema change runs in each replica's applying
 *       session, so the table would be that session's, never the client's (the client got 42S02
 *       on its own table, and another client 42S01 for the same name);
 *   <li>tables with a table engine ({@code ENGINE "class"}), which loads Java code into every
 *       node, and tables that are not persistent, which a node's restart would empty while the
 *       log says they hold rows.
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
        } else if (prepared instanceof CreateTable create) {
            CreateTableData declared = declared(create);
            if (declared.temporary || declared.globalTemporary) {
                throw refused("temporary tables: a schema change runs in every replica's own session, so the table "
                        + "would not be this session's; use an ordinary table");
            }
            if (declared.tableEngine != null) {
                throw refused("table engines: they would load Java code into every node");
            }
            if (!declared.persistData) {
                throw refused("tables that are not persistent: a node's restart would empty them");
            }
        }
    }

    /**
     * What a CREATE TABLE declares: H2 keeps it in a private field with no getter. H2's version is
     * pinned by the build; a field that moved fails every CREATE TABLE here, loudly, in the tests.
     */
    private static CreateTableData declared(CreateTable create) throws SQLException {
        try {
            return (CreateTableData) CREATE_TABLE_DATA.get(create);
        } catch (IllegalAccessException e) {
            throw new SQLException("cannot read what CREATE TABLE declares from H2's parse: " + e, "XX000", e);
        }
    }

    private static final Field CREATE_TABLE_DATA = createTableData();

    private static Field createTableData() {
        try {
            Field f = CreateTable.class.getDeclaredField("data");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("H2's CreateTable has no field 'data': this H2 version is not supported", e);
        }
    }

    private static SQLException refused(String what) {
        return new SQLException("not available on a replicated database: " + what, SqlStates.NOT_SUPPORTED);
    }
}
