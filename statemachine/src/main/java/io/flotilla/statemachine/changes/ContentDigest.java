package io.flotilla.statemachine.changes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.h2.engine.SessionLocal;
import org.h2.index.Index;
import org.h2.jdbc.JdbcResultSet;
import org.h2.schema.Schema;
import org.h2.schema.Sequence;
import org.h2.table.Column;
import org.h2.table.Table;
import org.h2.table.TableType;
import org.h2.value.DataType;

/**
 * A SHA-256 digest of a replica's replicated content, for comparing replicas: every user table
 * (outside INFORMATION_SCHEMA and FLOTILLA) by schema and name, its column names and types, and
 * its rows in primary key order, each value in the exact encoding row images use; optionally
 * also every sequence's next value (identity sequences named by table and column, since their
 * own names differ per replica).
 *
 * <p>Rows are read with SQL in the connection's current transaction, so uncommitted own writes
 * count. Tables without a primary key are ordered by all their comparable columns.
 */
public final class ContentDigest {

    private ContentDigest() {
    }

    /** Rows and sequence positions: equal after a snapshot is restored. */
    public static String of(Connection connection) throws SQLException {
        return digest(connection, true);
    }

    /**
     * Rows only: equal between a leader and a follower that applied its change sets, where
     * sequences may differ (a follower's sequences are only raised to the committed floors).
     */
    public static String ofRows(Connection connection) throws SQLException {
        return digest(connection, false);
    }

    private static String digest(Connection connection, boolean withSequences) throws SQLException {
        SessionLocal session = EmbeddedSession.of(connection);
        MessageDigest digest = sha256();
        List<Table> tables = userTables(session);
        for (Table table : tables) {
            digestTable(connection, table, digest);
        }
        // The catalog's table ids and the range's bounds are replicated content too: a replica
        // whose keys began with other ids, or that covered other keys, would place rows elsewhere.
        Schema bookkeeping = session.getDatabase().findSchema(ReservedNames.FLOTILLA_SCHEMA);
        for (String name : List.of("TABLE_IDS", "RANGE_BOUNDS")) {
            Table table = bookkeeping == null ? null : bookkeeping.findTableOrView(session, name);
            if (table != null) {
                digestTable(connection, table, digest);
            }
        }
        if (withSequences) {
            digestSequences(session, tables, digest);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void digestTable(Connection connection, Table table, MessageDigest digest) throws SQLException {
        put(digest, "table " + ReservedNames.qualified(table));
        for (Column column : table.getColumns()) {
            put(digest, column.getName() + " " + column.getType().getSQL(0));
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT * FROM " + quote(table.getSchema().getName()) + "."
                     + quote(table.getName()) + orderBy(table))) {
            int columns = table.getColumns().length;
            JdbcResultSet internal = rows.unwrap(JdbcResultSet.class);
            while (rows.next()) {
                digest.update((byte) 'R');
                for (int c = 1; c <= columns; c++) {
                    byte[] value = ValueCodec.encode(internal.getInternal(c), null);
                    putLength(digest, value.length);
                    digest.update(value);
                }
            }
        }
    }

    private static String orderBy(Table table) {
        List<Column> order = new ArrayList<>();
        Index primaryKey = table.findPrimaryKey();
        if (primaryKey != null) {
            order.addAll(List.of(primaryKey.getColumns()));
        } else {
            for (Column column : table.getColumns()) {
                if (DataType.isIndexable(column.getType())) {
                    order.add(column);
                }
            }
        }
        if (order.isEmpty()) {
            return "";
        }
        StringBuilder sql = new StringBuilder(" ORDER BY ");
        for (int i = 0; i < order.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quote(order.get(i).getName()));
        }
        return sql.toString();
    }

    private static void digestSequences(SessionLocal session, List<Table> tables, MessageDigest digest) {
        Map<Sequence, String> identities = new HashMap<>();
        for (Table table : tables) {
            for (Column column : table.getColumns()) {
                if (column.getSequence() != null) {
                    identities.put(column.getSequence(), "identity " + ReservedNames.qualified(table) + "."
                            + column.getName());
                }
            }
        }
        List<String> lines = new ArrayList<>();
        Set<Sequence> seen = new HashSet<>();
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            if (!ReservedNames.isUserSchema(schema.getName())) {
                continue;
            }
            for (Sequence sequence : schema.getAllSequences()) {
                if (!seen.add(sequence)) {
                    continue;
                }
                String name = identities.getOrDefault(sequence,
                        "sequence " + schema.getName() + "." + sequence.getName());
                lines.add(name + " next " + sequence.getBaseValue() + " " + sequence.getCycle());
            }
        }
        lines.sort(Comparator.naturalOrder());
        for (String line : lines) {
            put(digest, line);
        }
    }

    private static List<Table> userTables(SessionLocal session) {
        List<Table> tables = new ArrayList<>();
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            if (!ReservedNames.isUserSchema(schema.getName())) {
                continue;
            }
            for (Table table : schema.getAllTablesAndViews(session)) {
                if (table.getTableType() == TableType.TABLE && !table.isTemporary()) {
                    tables.add(table);
                }
            }
        }
        tables.sort(Comparator.comparing(ReservedNames::qualified));
        return tables;
    }

    private static void put(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        putLength(digest, bytes.length);
        digest.update(bytes);
    }

    private static void putLength(MessageDigest digest, int length) {
        digest.update((byte) (length >>> 24));
        digest.update((byte) (length >>> 16));
        digest.update((byte) (length >>> 8));
        digest.update((byte) length);
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
