package io.flotilla.sql;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The same seeded random SQL workload runs through the cluster (JDBC driver, three real nodes) and
 * through an embedded in-memory H2, statement by statement, one session on each side. Every
 * statement's result must agree: rows in order for queries whose ORDER BY fixes the order (always
 * ending in a key), as multisets otherwise; update counts; and the SQLState of every error
 * (duplicate keys, check and foreign-key violations, division by zero, unknown tables).
 *
 * <p>DDL runs inside transactions too (it commits the transaction first, in both). One table has no
 * primary key (Flotilla gives it a hidden row key, which neither {@code SELECT *} nor an insert
 * without a column list may show), and takes equal rows. No nondeterministic functions.
 *
 * <p>Replay: {@code -Dflotilla.diff.seed=N} runs that seed alone (add {@code -Dflotilla.diff.runs=K}
 * for K seeds from N); {@code -Dflotilla.diff.ops=M} sets the workload's length.
 */
class DifferentialTest {

    private static final int OPS = Integer.getInteger("flotilla.diff.ops", 250);

    private static LocalNodes nodes;
    private static int workloads;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    @Test
    void clusterAndEmbeddedH2AgreeStatementByStatement() throws Exception {
        Long fixed = Long.getLong("flotilla.diff.seed");
        int runs = Integer.getInteger("flotilla.diff.runs", fixed != null ? 1 : 6);
        long base = fixed != null ? fixed : new SplittableRandom().nextLong(1, Long.MAX_VALUE / 2);
        for (int i = 0; i < runs; i++) {
            long seed = base + i;
            try {
                Summary s = runWorkload(seed);
                System.out.println("differential: seed=" + seed + " ops=" + s.ops + " queries=" + s.queries
                        + " updates=" + s.updates + " errors=" + s.errors + " transactions=" + s.transactions + " agree=true");
            } catch (AssertionError | Exception e) {
                System.out.println("differential: seed=" + seed + " FAILED; replay with "
                        + "mvn -B -ntp -pl sql/server test -Dtest=DifferentialTest -Dflotilla.diff.seed=" + seed);
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ the workload

    /** One step: SQL (with parameters when prepared), or a transaction control call through JDBC. */
    record Op(Kind kind, String sql, List<Object> params, boolean ordered) {
        enum Kind { SQL, BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ROLLBACK_TO_SAVEPOINT }

        static Op sql(String sql, boolean ordered) {
            return new Op(Kind.SQL, sql, null, ordered);
        }

        static Op prepared(String sql, Object... params) {
            return new Op(Kind.SQL, sql, List.of(params), false);
        }

        static Op control(Kind kind) {
            return new Op(kind, null, null, false);
        }

        @Override
        public String toString() {
            return kind == Kind.SQL ? sql + (params == null ? "" : " " + params) + (ordered ? "  [ordered]" : "")
                    : kind.toString();
        }
    }

    record Summary(int ops, int queries, int updates, int errors, int transactions) {
    }

    /** A workload generator; the same seed always yields the same statements. */
    static final class Generator {
        private final SplittableRandom r;
        private final String p;
        private final String c;
        /** Without a primary key: equal rows and all. */
        private final String l;
        private int extraColumns;
        private boolean inTransaction;

        Generator(long seed, String prefix) {
            r = new SplittableRandom(seed);
            p = prefix + "P";
            c = prefix + "C";
            l = prefix + "L";
        }

        List<Op> setup() {
            return List.of(
                    Op.sql("CREATE TABLE " + p + "(ID INT PRIMARY KEY, NAME VARCHAR(20) NOT NULL, SCORE INT, "
                            + "CAT INT NOT NULL CHECK (CAT BETWEEN 0 AND 4), CONSTRAINT " + p + "_NAME UNIQUE(NAME))", false),
                    Op.sql("CREATE TABLE " + c + "(ID INT PRIMARY KEY, PID INT REFERENCES " + p + "(ID), "
                            + "QTY INT NOT NULL CHECK (QTY >= 0), NOTE VARCHAR(30))", false),
                    Op.sql("CREATE INDEX " + c + "_PID ON " + c + "(PID)", false),
                    Op.sql("CREATE TABLE " + l + "(K INT, V VARCHAR(10))", false));
        }

        Op next() {
            if (inTransaction && r.nextInt(6) == 0) {
                inTransaction = false;
                return Op.control(r.nextBoolean() ? Op.Kind.COMMIT : Op.Kind.ROLLBACK);
            }
            int pick = r.nextInt(100);
            if (pick < 6 && !inTransaction) {
                inTransaction = true;
                return Op.control(Op.Kind.BEGIN);
            }
            if (pick < 8 && inTransaction) {
                return Op.control(r.nextBoolean() ? Op.Kind.SAVEPOINT : Op.Kind.ROLLBACK_TO_SAVEPOINT);
            }
            if (pick < 10) {
                return ddl();   // inside a transaction it commits the transaction first, in both
            }
            if (pick < 45) {
                return write();
            }
            if (pick < 50) {
                return failing();
            }
            return query();
        }

        List<Op> finish() {
            List<Op> out = new ArrayList<>();
            if (inTransaction) {
                out.add(Op.control(Op.Kind.COMMIT));
                inTransaction = false;
            }
            out.add(Op.sql("SELECT * FROM " + p + " ORDER BY ID", true));
            out.add(Op.sql("SELECT * FROM " + c + " ORDER BY ID", true));
            out.add(Op.sql("SELECT * FROM " + l + " ORDER BY K, V", true));
            return out;
        }

        private Op ddl() {
            if (r.nextBoolean() && extraColumns < 3) {
                extraColumns++;
                return Op.sql("ALTER TABLE " + p + " ADD COLUMN EXTRA" + extraColumns + " INT DEFAULT " + r.nextInt(10), false);
            }
            return r.nextBoolean()
                    ? Op.sql("CREATE INDEX IF NOT EXISTS " + p + "_SCORE ON " + p + "(SCORE)", false)
                    : Op.sql("ALTER TABLE " + c + " ALTER COLUMN NOTE SET DEFAULT 'n" + r.nextInt(5) + "'", false);
        }

        private String name() {
            return "'n" + r.nextInt(40) + "'";
        }

        private String score() {
            return r.nextInt(5) == 0 ? "NULL" : String.valueOf(r.nextInt(100));
        }

        private Op write() {
            if (r.nextInt(4) == 0) {
                return keylessWrite();
            }
            switch (r.nextInt(12)) {
                case 0, 1: // may hit a duplicate key, a duplicate name or the CAT check
                    return Op.sql("INSERT INTO " + p + " VALUES (" + r.nextInt(30) + ", " + name() + ", " + score() + ", "
                            + r.nextInt(6) + (extraColumns > 0 ? extraValues() : "") + ")", false);
                case 2: // prepared: bound parameters
                    return extraColumns > 0
                            ? Op.prepared("INSERT INTO " + p + "(ID, NAME, SCORE, CAT) VALUES (?, ?, ?, ?)",
                                    r.nextInt(30), "n" + r.nextInt(40), r.nextInt(100), r.nextInt(5))
                            : Op.prepared("INSERT INTO " + p + " VALUES (?, ?, ?, ?)",
                                    r.nextInt(30), "n" + r.nextInt(40), r.nextInt(100), r.nextInt(5));
                case 3, 4: { // may miss its parent (FK) or have a negative quantity (check)
                    String pid = r.nextInt(6) == 0 ? "NULL" : String.valueOf(r.nextInt(32));
                    return Op.sql("INSERT INTO " + c + "(ID, PID, QTY, NOTE) VALUES (" + r.nextInt(80) + ", " + pid + ", "
                            + (r.nextInt(12) - 1) + ", 'note" + r.nextInt(9) + "')", false);
                }
                case 5: { // several rows in one statement: all or nothing
                    int id = r.nextInt(80);
                    return Op.sql("INSERT INTO " + c + "(ID, PID, QTY) VALUES (" + id + ", " + r.nextInt(30) + ", "
                            + r.nextInt(20) + "), (" + (id + 1 + r.nextInt(3)) + ", " + r.nextInt(30) + ", " + r.nextInt(20) + ")", false);
                }
                case 6: {
                    int a = r.nextInt(30);
                    return Op.sql("UPDATE " + p + " SET SCORE = COALESCE(SCORE, 0) + " + (r.nextInt(21) - 10)
                            + " WHERE ID BETWEEN " + a + " AND " + (a + r.nextInt(10)), false);
                }
                case 7: // may collide with another name
                    return Op.sql("UPDATE " + p + " SET NAME = " + name() + " WHERE ID = " + r.nextInt(30), false);
                case 8: // may drive a quantity below zero: the whole statement fails
                    return Op.sql("UPDATE " + c + " SET QTY = QTY - " + r.nextInt(8) + " WHERE PID = " + r.nextInt(30), false);
                case 9:
                    return Op.sql("DELETE FROM " + c + " WHERE QTY < " + r.nextInt(6), false);
                case 10: // a parent with children: 23503
                    return Op.sql("DELETE FROM " + p + " WHERE ID = " + r.nextInt(30), false);
                default:
                    return Op.sql("INSERT INTO " + c + "(ID, PID, QTY) SELECT ID + 100, ID, CAT FROM " + p
                            + " WHERE SCORE > " + r.nextInt(100), false);
            }
        }

        /** Writes to the table without a primary key: equal rows are common, keys are few. */
        private Op keylessWrite() {
            int k = r.nextInt(6);
            return switch (r.nextInt(5)) {
                case 0 -> Op.sql("INSERT INTO " + l + " VALUES (" + k + ", 'v" + r.nextInt(3) + "'), (" + k + ", 'v"
                        + r.nextInt(3) + "')", false);
                case 1 -> Op.prepared("INSERT INTO " + l + " VALUES (?, ?)", k, "v" + r.nextInt(3));
                case 2 -> Op.sql("UPDATE " + l + " SET V = 'w" + r.nextInt(3) + "' WHERE K = " + k, false);
                case 3 -> Op.sql("DELETE FROM " + l + " WHERE K = " + k + " AND V = 'v" + r.nextInt(3) + "'", false);
                default -> Op.sql("INSERT INTO " + l + "(K) SELECT ID FROM " + p + " WHERE CAT = " + r.nextInt(5), false);
            };
        }

        private String extraValues() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < extraColumns; i++) {
                b.append(", ").append(r.nextInt(4) == 0 ? "NULL" : String.valueOf(r.nextInt(50)));
            }
            return b.toString();
        }

        private Op failing() {
            return switch (r.nextInt(5)) {
                case 0 -> Op.sql("SELECT ID / (CAT - CAT) FROM " + p, false);              // 22012 when P has rows
                case 1 -> Op.sql("SELECT * FROM " + p + "_MISSING", false);                // no such table
                case 2 -> Op.sql("SELECT NOPE FROM " + p, false);                          // no such column
                case 3 -> Op.sql("INSERT INTO " + p + "(ID, CAT) VALUES (" + r.nextInt(30) + ", 1)", false); // NAME NOT NULL
                default -> Op.sql("UPDATE " + c + " SET PID = " + (1000 + r.nextInt(5)) + " WHERE ID = " + r.nextInt(80), false); // FK
            };
        }

        private Op query() {
            int k = r.nextInt(60);
            if (r.nextInt(6) == 0) {
                return r.nextBoolean()
                        ? Op.sql("SELECT * FROM " + l + " WHERE K <= " + (k % 6), false)
                        : Op.sql("SELECT K, V, COUNT(*) FROM " + l + " GROUP BY K, V ORDER BY K, V", true);
            }
            return switch (r.nextInt(12)) {
                case 0 -> Op.sql("SELECT * FROM " + p + " ORDER BY ID", true);
                case 1 -> Op.sql("SELECT ID, NAME, SCORE FROM " + p + " WHERE SCORE > " + k + " ORDER BY SCORE DESC, ID", true);
                case 2 -> Op.sql("SELECT CAT, COUNT(*), SUM(SCORE), MIN(NAME), MAX(SCORE) FROM " + p + " GROUP BY CAT", false);
                case 3 -> Op.sql("SELECT " + p + ".NAME, " + c + ".ID, " + c + ".QTY FROM " + p + " JOIN " + c + " ON "
                        + c + ".PID = " + p + ".ID WHERE " + c + ".QTY > " + (k % 10), false);
                case 4 -> Op.sql("SELECT " + p + ".ID, COUNT(" + c + ".ID), COALESCE(SUM(" + c + ".QTY), 0) FROM " + p
                        + " LEFT JOIN " + c + " ON " + c + ".PID = " + p + ".ID GROUP BY " + p + ".ID HAVING COUNT("
                        + c + ".ID) >= " + (k % 3) + " ORDER BY " + p + ".ID", true);
                case 5 -> Op.sql("SELECT ID, PID, QTY FROM " + c + " ORDER BY QTY DESC, ID LIMIT " + (1 + k % 7)
                        + " OFFSET " + (k % 4), true);
                case 6 -> Op.sql("SELECT COUNT(*), SUM(QTY), AVG(QTY), MIN(QTY), MAX(QTY) FROM " + c, false);
                case 7 -> Op.sql("SELECT DISTINCT PID FROM " + c, false);
                case 8 -> Op.sql("SELECT ID FROM " + p + " WHERE ID IN (SELECT PID FROM " + c + " WHERE QTY > "
                        + (k % 10) + ")", false);
                case 9 -> Op.sql("SELECT CAT, COUNT(*) AS N FROM " + p + " GROUP BY CAT HAVING COUNT(*) > 1 ORDER BY N DESC, CAT", true);
                case 10 -> Op.prepared("SELECT NAME, SCORE FROM " + p + " WHERE ID = ?", r.nextInt(30));
                default -> Op.sql("SELECT " + p + ".CAT, SUM(" + c + ".QTY) FROM " + c + " JOIN " + p + " ON " + p
                        + ".ID = " + c + ".PID GROUP BY " + p + ".CAT ORDER BY " + p + ".CAT", true);
            };
        }
    }

    // ------------------------------------------------------------------ running and comparing

    /** One side of the comparison: a connection and its savepoint stack. */
    static final class Side {
        final String name;
        final Connection connection;
        final Deque<Savepoint> savepoints = new ArrayDeque<>();
        int savepointNames;

        Side(String name, Connection connection) {
            this.name = name;
            this.connection = connection;
        }

        String apply(Op op) {
            try {
                switch (op.kind()) {
                    case BEGIN -> {
                        connection.setAutoCommit(false);
                        return "begun";
                    }
                    case COMMIT -> {
                        savepoints.clear();
                        connection.commit();
                        connection.setAutoCommit(true);
                        return "committed";
                    }
                    case ROLLBACK -> {
                        savepoints.clear();
                        connection.rollback();
                        connection.setAutoCommit(true);
                        return "rolled back";
                    }
                    case SAVEPOINT -> {
                        savepoints.push(connection.setSavepoint("SP" + (++savepointNames)));
                        return "savepoint";
                    }
                    case ROLLBACK_TO_SAVEPOINT -> {
                        if (savepoints.isEmpty()) {
                            return "no savepoint";
                        }
                        connection.rollback(savepoints.peek());
                        return "rolled back to savepoint";
                    }
                    default -> {
                        return op.params() == null ? plain(op) : prepared(op);
                    }
                }
            } catch (SQLException e) {
                return "error " + e.getSQLState();
            }
        }

        private String plain(Op op) throws SQLException {
            try (Statement s = connection.createStatement()) {
                return s.execute(op.sql()) ? rows(s.getResultSet(), op.ordered()) : "count " + s.getUpdateCount();
            }
        }

        private String prepared(Op op) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(op.sql())) {
                for (int i = 0; i < op.params().size(); i++) {
                    ps.setObject(i + 1, op.params().get(i));
                }
                return ps.execute() ? rows(ps.getResultSet(), op.ordered()) : "count " + ps.getUpdateCount();
            }
        }
    }

    private static String rows(ResultSet rs, boolean ordered) throws SQLException {
        try (rs) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            StringBuilder header = new StringBuilder("columns");
            for (int i = 1; i <= n; i++) {
                header.append(' ').append(md.getColumnLabel(i));
            }
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i == 1 ? "" : " | ").append(cell(rs.getObject(i)));
                }
                out.add(row.toString());
            }
            if (!ordered) {
                Collections.sort(out);
            }
            return header + "\n  " + String.join("\n  ", out) + "\n  (" + out.size() + " rows" + (ordered ? ", in order)" : ", any order)");
        }
    }

    private static String cell(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof BigDecimal d) {
            return d.stripTrailingZeros().toPlainString();
        }
        if (v instanceof Number num && !(v instanceof Double) && !(v instanceof Float)) {
            return new BigDecimal(num.toString()).stripTrailingZeros().toPlainString();
        }
        if (v instanceof byte[] b) {
            return "X'" + HexFormat.of().formatHex(b) + "'";
        }
        return v.toString();
    }

    private static Summary runWorkload(long seed) throws Exception {
        String prefix = "W" + (++workloads) + "_";
        Generator g = new Generator(seed, prefix);
        List<Op> ops = new ArrayList<>(g.setup());
        for (int i = 0; i < OPS; i++) {
            ops.add(g.next());
        }
        ops.addAll(g.finish());

        Map<String, Integer> counts = new TreeMap<>();
        Deque<String> recent = new ArrayDeque<>();
        try (Connection flotilla = DriverManager.getConnection(nodes.url());
                Connection h2 = DriverManager.getConnection("jdbc:h2:mem:")) {
            Side cluster = new Side("flotilla", flotilla);
            Side embedded = new Side("h2", h2);
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                String expected = embedded.apply(op);
                String actual = cluster.apply(op);
                recent.addLast("#" + i + " " + op + "\n      -> " + firstLine(expected));
                if (recent.size() > 25) {
                    recent.removeFirst();
                }
                if (!Objects.equals(expected, actual)) {
                    fail("seed " + seed + " (replay: -Dflotilla.diff.seed=" + seed + "): statement #" + i + " disagrees\n"
                            + "  statement: " + op + "\n"
                            + "  embedded H2: " + expected + "\n"
                            + "  flotilla:    " + actual + "\n"
                            + "the statements before it (with H2's outcome):\n    " + String.join("\n    ", recent));
                }
                counts.merge(expected.startsWith("error") ? "errors"
                        : expected.startsWith("columns") ? "queries"
                        : expected.startsWith("count") ? "updates" : "other", 1, Integer::sum);
                if (op.kind() == Op.Kind.BEGIN) {
                    counts.merge("transactions", 1, Integer::sum);
                }
            }
        }
        return new Summary(ops.size(), counts.getOrDefault("queries", 0), counts.getOrDefault("updates", 0),
                counts.getOrDefault("errors", 0), counts.getOrDefault("transactions", 0));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }
}
