package io.flotilla.sql.slt;

import io.flotilla.sql.slt.FileReport.EngineReport;
import io.flotilla.sql.slt.ScriptRunner.Engine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner on small scripts through embedded H2: what passes, that a wrong expectation of every
 * kind fails, conditions and halt, and two engines that differ.
 */
class ScriptRunnerTest {

    private static final String TABLE = """
            statement ok
            CREATE TABLE t1(a INTEGER, b VARCHAR(10))

            statement ok
            INSERT INTO t1 VALUES(1, 'one'), (2, ''), (3, NULL)

            """;

    private final ScriptRunner runner = new ScriptRunner(Duration.ofSeconds(30));
    private Connection h2;
    private Connection other;

    @BeforeEach
    void open() throws SQLException {
        h2 = DriverManager.getConnection("jdbc:h2:mem:");
        other = DriverManager.getConnection("jdbc:h2:mem:");
    }

    @AfterEach
    void close() throws SQLException {
        h2.close();
        other.close();
    }

    private EngineReport run(String script) throws SQLException {
        return runner.run(SltParser.parse("inline.test", script), new Engine("h2", h2)).primary();
    }

    @Test
    void resultsThatMatchPass() throws SQLException {
        EngineReport r = run(TABLE + """
                statement error
                INSERT INTO t1 VALUES('not a number', 'x')

                query IT rowsort
                SELECT a, b FROM t1 WHERE a > 1
                ----
                2
                (empty)
                3
                NULL

                query R nosort
                SELECT a / 2.0 FROM t1 ORDER BY a DESC
                ----
                1.500
                1.000
                0.500

                query I valuesort
                SELECT x FROM SYSTEM_RANGE(1, 10)
                ----
                10 values hashing to ff2650590d3f27ea6644b5573ccc37ba

                query I nosort
                SELECT x FROM SYSTEM_RANGE(1, 3) WHERE x > 5
                ----

                query I nosort
                SELECT count(*) FROM t1
                """);
        assertEquals(List.of(), r.failures());
        assertEquals(new EngineReport("h2", 3, 0, 0, 5, 0, 0, List.of()), r);
    }

    @Test
    void aWrongExpectedValueFails() throws SQLException {
        EngineReport r = run(TABLE + """
                query I nosort
                SELECT count(*) FROM t1
                ----
                4
                """);
        assertEquals(1, r.queriesFailed());
        assertEquals("3; expected 4", r.failures().get(0).problem());
        assertEquals(7, r.failures().get(0).line());
    }

    @Test
    void everyOtherWrongExpectationFailsToo() throws SQLException {
        EngineReport r = run(TABLE + """
                statement ok
                INSERT INTO nowhere VALUES(1)

                statement error
                INSERT INTO t1 VALUES(4, 'four')

                query I valuesort
                SELECT x FROM SYSTEM_RANGE(1, 10)
                ----
                10 values hashing to 3b0332e02daabf31651a5a0d81ba830a

                query I nosort
                SELECT x FROM SYSTEM_RANGE(1, 10)
                ----
                1
                2
                3
                4
                5
                6
                7
                8
                9
                10

                query II nosort
                SELECT a FROM t1 WHERE a = 1
                ----
                1

                query T nosort
                SELECT b FROM t1 WHERE a = 2
                ----
                NULL

                query I nosort
                SELECT a FROM t1 WHERE a > 100
                ----
                0

                query I nosort
                SELECT a FROM nowhere
                """);
        List<String> problems = r.failures().stream().map(f -> f.line() + " " + f.problem()).toList();
        assertEquals(8, r.failed(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("7 error 42S02"), problems.get(0));
        assertEquals("10 succeeded; the record expects an error", problems.get(1));
        assertEquals("13 10 values hashing to ff2650590d3f27ea6644b5573ccc37ba; "
                + "expected 10 values hashing to 3b0332e02daabf31651a5a0d81ba830a", problems.get(2), "valuesort before hashing");
        assertEquals("18 10 values hashing to 3b0332e02daabf31651a5a0d81ba830a; expected 1 2 3 4 5 6 7 8 9 10",
                problems.get(3), "above the threshold only the hash is compared");
        assertEquals("32 1 columns; the record declares 2 (II)", problems.get(4));
        assertEquals("37 (empty); expected NULL", problems.get(5));
        assertEquals("42 no rows; expected 0", problems.get(6));
        assertTrue(problems.get(7).startsWith("47 error 42S02"), problems.get(7));
    }

    @Test
    void aHashThresholdOfZeroComparesEveryValue() throws SQLException {
        EngineReport r = run("""
                hash-threshold 0

                query I nosort
                SELECT x FROM SYSTEM_RANGE(1, 10)
                ----
                1
                2
                3
                4
                5
                6
                7
                8
                9
                10
                """);
        assertEquals(1, r.queriesPassed(), r.failures().toString());
    }

    @Test
    void queriesWithOneLabelMustAgree() throws SQLException {
        // A label matters where a query's values are not in the file: it must give what the label's first query gave.
        EngineReport r = run(TABLE + """
                query I nosort label-1
                SELECT a FROM t1 WHERE a = 1
                ----
                1

                query I nosort label-1
                SELECT a FROM t1 WHERE a < 2

                query I nosort label-1
                SELECT a FROM t1 WHERE a = 2
                """);
        assertEquals(2, r.queriesPassed());
        assertEquals(1, r.queriesFailed());
        assertEquals("1 values hashing to 26ab0db90d72e28ad0ba1e22ee510510; line 7, labelled label-1 too, gave "
                + "1 values hashing to b026324c6904b2a9cb4b88d6d61c81d1", r.failures().get(0).problem());
        assertEquals(15, r.failures().get(0).line());
    }

    @Test
    void conditionsAndHaltDecideWhatRuns() throws SQLException {
        EngineReport r = run(TABLE + """
                onlyif sqlite
                query I nosort
                SELECT 'only for sqlite' FROM t1
                ----
                0

                skipif h2
                statement ok
                DROP TABLE t1

                onlyif h2
                query I nosort
                SELECT count(*) FROM t1
                ----
                3

                skipif sqlite
                query I nosort
                SELECT 1
                ----
                1

                onlyif sqlite
                halt

                skipif sqlite
                halt

                query I nosort
                SELECT 'after the halt'
                ----
                0

                statement ok
                DROP TABLE t1
                """);
        assertEquals(new EngineReport("h2", 2, 0, 2, 2, 0, 2, List.of()), r);
    }

    @Test
    void recordsOnWhichTwoEnginesDifferAreKeptByKind() throws SQLException {
        try (Statement first = h2.createStatement(); Statement second = other.createStatement()) {
            first.execute("CREATE TABLE t9(x INTEGER)");
            first.execute("CREATE TABLE t8(x INTEGER)");
            first.execute("CREATE TABLE t7(x INTEGER)");
            first.execute("CREATE TABLE t2(x INTEGER)");
            first.execute("INSERT INTO t2 VALUES (1), (2)");
            second.execute("CREATE TABLE t2(x INTEGER)");
            second.execute("INSERT INTO t2 VALUES (1), (3)");
        }
        FileReport report = runner.run(SltParser.parse("inline.test", """
                statement ok
                CREATE TABLE t9(x INTEGER)

                query I rowsort
                SELECT x FROM t2
                ----
                1
                2

                statement ok
                UPDATE t2 SET x = x + 1 WHERE x > 2

                statement ok
                INSERT INTO t8 VALUES(1)

                statement ok
                INSERT INTO t7 VALUES('a')

                query I nosort
                SELECT 'x' + 1
                ----
                0

                query I nosort
                SELECT count(*) FROM t2
                ----
                2
                """), new Engine("first", h2), new Engine("second", other));
        List<String> groups = report.differences().stream().map(d -> d.line() + " " + d.group()).toList();
        assertEquals(List.of(
                "1 statement fails only on first: 42S01",
                "4 query rows differ",
                "10 statement update counts differ",
                "13 statement fails only on second: 42S02",
                "16 statement fails on both with different SQLStates: first 22018, second 42S02"), groups,
                "the same error (line 19) and the same rows (line 24) are no difference");
        assertEquals(new EngineReport("first", 2, 2, 0, 2, 1, 0, List.of()), withoutFailures(report.primary()));
        assertEquals(new EngineReport("second", 2, 2, 0, 1, 2, 0, List.of()), withoutFailures(report.oracle().orElseThrow()));
    }

    private static EngineReport withoutFailures(EngineReport r) {
        return new EngineReport(r.engine(), r.statementsOk(), r.statementsFailed(), r.statementsSkipped(),
                r.queriesPassed(), r.queriesFailed(), r.queriesSkipped(), List.of());
    }

    @Test
    void aConnectionLostUnderTheRunIsAHarnessErrorNotAResult() {
        // H2 answers SHUTDOWN with an error after closing the database, and the connection is gone.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> run("""
                statement ok
                SHUTDOWN

                query I nosort
                SELECT 1
                ----
                1
                """));
        assertTrue(e.getMessage().startsWith("h2's connection closed at inline.test:1"), e.getMessage());
    }
}
