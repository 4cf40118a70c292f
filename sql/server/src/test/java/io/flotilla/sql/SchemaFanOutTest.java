package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SchemaLog;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Schema changes once the tables are split, on a 3-node cluster: each runs in every range, in the
 * order of the first data range's schema log, so that every range holds the same schema and the
 * same table ids; one whose outcome could depend on a range's rows is refused and runs nowhere;
 * and ranges left behind by a node that stopped half-way are brought up to date by the next change.
 */
class SchemaFanOutTest {

    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(row.toString());
            }
        }
        return out;
    }

    /** What every replica of every data range must agree on: its schema log, table ids and columns. */
    private static Set<List<String>> schemas(LocalNodes nodes) throws SQLException {
        Set<List<String>> distinct = new HashSet<>();
        for (long id = 1; id <= 3; id++) {
            for (var e : nodes.node(id).replicas().entrySet()) {
                if (e.getKey() == Node.META_RANGE) {
                    continue;
                }
                try (Connection c = e.getValue().store().connect(); Statement s = c.createStatement()) {
                    List<String> schema = new ArrayList<>(rows(s, "SELECT SEQ, SCHEMA_NAME, SQL FROM FLOTILLA.SCHEMA_LOG ORDER BY SEQ"));
                    schema.addAll(rows(s, "SELECT TABLE_ID, TABLE_SCHEMA, TABLE_NAME, DROPPED_AT IS NULL "
                            + "FROM FLOTILLA.TABLE_IDS ORDER BY TABLE_ID"));
                    schema.addAll(rows(s, "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
                            + "WHERE TABLE_SCHEMA = 'PUBLIC' ORDER BY TABLE_NAME, ORDINAL_POSITION"));
                    schema.addAll(rows(s, "SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_SCHEMA = 'PUBLIC' "
                            + "ORDER BY INDEX_NAME"));
                    distinct.add(schema);
                }
            }
        }
        return distinct;
    }

    private static void awaitEqualSchemas(LocalNodes nodes, int ranges) throws Exception {
        await("every replica of the " + ranges + " data ranges holds the same schema", () -> {
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).replicas().size() != ranges + 1) {
                    return false;
                }
            }
            return schemas(nodes).size() == 1;
        });
    }

    @Test
    void aSchemaChangeRunsInEveryRangeAndOneThatDependsOnRowsRunsNowhere() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(2));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V INT)");
            s.execute("CREATE TABLE P(ID INT PRIMARY KEY)");
            s.execute("INSERT INTO T SELECT X, X FROM SYSTEM_RANGE(1, 100)");
            s.execute("ALTER TABLE T SPLIT AT VALUES (50)");
            s.execute("ALTER TABLE T SPLIT AT VALUES (80)");

            s.execute("ALTER TABLE T ADD COLUMN C VARCHAR(10)");
            assertEquals(1, s.executeUpdate("UPDATE T SET C = 'low' WHERE ID = 10"));
            assertEquals(1, s.executeUpdate("UPDATE T SET C = 'mid' WHERE ID = 60"));
            assertEquals(1, s.executeUpdate("UPDATE T SET C = 'high' WHERE ID = 90"));
            assertEquals(List.of("10|low", "60|mid", "90|high"), rows(s, "SELECT ID, C FROM T WHERE C IS NOT NULL ORDER BY ID"));
            s.execute("CREATE INDEX T_V ON T(V)");
            s.execute("CREATE TABLE W(ID INT PRIMARY KEY, NOTE VARCHAR(10))");
            assertEquals(2, s.executeUpdate("INSERT INTO W VALUES (1, 'a'), (2, 'b')"));
            s.execute("CREATE VIEW TW AS SELECT T.ID, W.NOTE FROM T JOIN W ON W.ID = T.ID");
            assertEquals(List.of("1|a", "2|b"), rows(s, "SELECT * FROM TW ORDER BY ID"));
            s.execute("ALTER TABLE T DROP COLUMN C");
            awaitEqualSchemas(nodes, 3);

            for (String dependsOnRows : List.of(
                    "ALTER TABLE T ADD CONSTRAINT T_V_UNIQUE UNIQUE(V)",
                    "CREATE UNIQUE INDEX T_V2 ON T(V)",
                    "ALTER TABLE T ALTER COLUMN V SET NOT NULL",
                    "ALTER TABLE T ALTER COLUMN V SET DATA TYPE BIGINT",
                    "ALTER TABLE T ADD COLUMN D INT NOT NULL",
                    "CREATE TABLE X AS SELECT * FROM T",
                    "CREATE TABLE Y(ID INT PRIMARY KEY, T_ID INT REFERENCES T(ID))")) {
                SQLException refused = assertThrows(SQLException.class, () -> s.execute(dependsOnRows), dependsOnRows);
                assertEquals("0A000", refused.getSQLState(), dependsOnRows + ": " + refused.getMessage());
            }
            SQLException fails = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE W(ID INT PRIMARY KEY)"));
            assertEquals("42S01", fails.getSQLState(), fails.getMessage());
            awaitEqualSchemas(nodes, 3);
            try (Connection rc = nodes.node(1).replica(Node.DATA_RANGE).store().connect(); Statement rs = rc.createStatement()) {
                assertEquals(List.of("5"), rows(rs, "SELECT COUNT(*) FROM FLOTILLA.SCHEMA_LOG"),
                        "five changes ran; the refused ones have no place in the log");
            }

            c.setAutoCommit(false);
            s.executeUpdate("UPDATE T SET V = 0 WHERE ID = 1");
            SQLException inTransaction = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE Z(ID INT PRIMARY KEY)"));
            assertEquals("0A000", inTransaction.getSQLState(), inTransaction.getMessage());
            c.commit();
            assertEquals(List.of("0"), rows(s, "SELECT V FROM T WHERE ID = 1"), "the transaction went on");
        }
    }

    /**
     * A node that stopped after the first data range ran a change, before the other ranges did:
     * they are behind, and the node that leads the first data range brings them up to date by
     * itself ({@code SchemaCatchUp}), as the next change's fan-out would.
     */
    @Test
    void rangesLeftBehindAreBroughtUpToDate() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(3));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V INT)");
            s.execute("INSERT INTO T SELECT X, X FROM SYSTEM_RANGE(1, 100)");
            s.execute("ALTER TABLE T SPLIT AT VALUES (50)");
            awaitEqualSchemas(nodes, 2);

            RangeReplica[] serving = new RangeReplica[1];
            await("the first data range has a serving leader", () -> {
                for (long id = 1; id <= 3; id++) {
                    RangeReplica r = nodes.node(id).replica(Node.DATA_RANGE);
                    if (r.serving()) {
                        serving[0] = r;
                        return true;
                    }
                }
                return false;
            });
            try (RangeSession half = serving[0].session(new byte[] {7})) {
                Outcome o = half.schemaChange("ALTER TABLE T ADD COLUMN HALF INT", 0, Optional.of(SchemaLog.Place.next()))
                        .get(30, TimeUnit.SECONDS);
                assertTrue(o instanceof Outcome.Applied, "applied in the first range alone: " + o);
            }
            awaitEqualSchemas(nodes, 2);
            assertEquals(1, s.executeUpdate("UPDATE T SET HALF = 1 WHERE ID = 90"), "the other range has the column");
            assertEquals(List.of("90|1"), rows(s, "SELECT ID, HALF FROM T WHERE HALF IS NOT NULL"));

            // And a change after it finds every range at its place.
            try (Connection other = DriverManager.getConnection(nodes.url(1)); Statement o = other.createStatement()) {
                o.execute("CREATE INDEX T_V ON T(V)");
            }
            awaitEqualSchemas(nodes, 2);
        }
    }
}
