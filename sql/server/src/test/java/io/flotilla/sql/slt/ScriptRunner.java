package io.flotilla.sql.slt;

import io.flotilla.sql.slt.FileReport.EngineReport;
import io.flotilla.sql.slt.FileReport.Failure;
import io.flotilla.sql.slt.SltRecord.Expected;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a script's records in order through a JDBC connection and checks each against the script,
 * as sqllogictest does; with an oracle, runs every record through the oracle's connection too,
 * record by record, and keeps each record on which the two did not do the same thing. A record that
 * fails is counted and the run goes on, as in sqllogictest (later records may fail because of it).
 *
 * <p>An {@link SQLException} from running a record is that engine's outcome. Anything else thrown,
 * and a connection that closed under a record, ends the run: that is a harness error, not a result.
 */
public final class ScriptRunner {

    /**
     * The engine name {@code skipif} and {@code onlyif} are matched against, for the engine under
     * test and the oracle alike: Flotilla runs H2's SQL (every replica is an H2 database), and
     * both sides must run the same records to be compared. The corpus names sqlite, mysql, mssql,
     * oracle and postgresql, never h2: so every {@code onlyif} record is skipped and every
     * {@code skipif} record runs (a {@code skipif sqlite} then {@code halt} ends the file).
     */
    public static final String DIALECT = "h2";

    /** An engine's name in reports, and the connection its records run on (one session, in file order). */
    public record Engine(String name, Connection connection) {
    }

    private final Duration queryTimeout;

    /** {@code queryTimeout}: each record's statement timeout (a runaway join is an error, not a hang); zero for none. */
    public ScriptRunner(Duration queryTimeout) {
        this.queryTimeout = queryTimeout;
    }

    /** Runs the script through one engine, checking every record against the script. */
    public FileReport run(SltScript script, Engine engine) throws SQLException {
        return new Run(script, engine, null).run();
    }

    /** Runs the script through the engine under test and the oracle side by side. */
    public FileReport run(SltScript script, Engine primary, Engine oracle) throws SQLException {
        return new Run(script, primary, oracle).run();
    }

    private final class Run {
        private final SltScript script;
        private final Side primary;
        private final Side oracle;
        private final List<Difference> differences = new ArrayList<>();
        private int hashThreshold = SltFormat.DEFAULT_HASH_THRESHOLD;

        Run(SltScript script, Engine primary, Engine oracle) {
            this.script = script;
            this.primary = new Side(primary);
            this.oracle = oracle == null ? null : new Side(oracle);
        }

        FileReport run() throws SQLException {
            long start = System.nanoTime();
            List<SltRecord> records = script.records();
            int halted = records.size();
            for (int i = 0; i < records.size() && halted == records.size(); i++) {
                SltRecord record = records.get(i);
                if (record instanceof SltRecord.HashThreshold h) {
                    hashThreshold = h.threshold();
                } else if (record instanceof SltRecord.Halt h) {
                    if (h.conditions().runOn(DIALECT)) {
                        halted = i + 1;
                    }
                } else if (record instanceof SltRecord.Statement s) {
                    statement(s);
                } else if (record instanceof SltRecord.Query q) {
                    query(q);
                }
            }
            for (SltRecord notRun : records.subList(halted, records.size())) {
                skip(notRun);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            return new FileReport(script.name(), primary.report(), Optional.ofNullable(oracle).map(Side::report),
                    differences, elapsed);
        }

        private void statement(SltRecord.Statement s) throws SQLException {
            if (!s.conditions().runOn(DIALECT)) {
                skip(s);
                return;
            }
            Outcome p = primary.check(s, primary.execute(s));
            if (oracle != null) {
                compare(s, "statement", s.sql(), p, oracle.check(s, oracle.execute(s)));
            }
        }

        private void query(SltRecord.Query q) throws SQLException {
            if (!q.conditions().runOn(DIALECT)) {
                skip(q);
                return;
            }
            Outcome p = primary.check(q, primary.execute(q), hashThreshold);
            if (oracle != null) {
                compare(q, "query", q.sql(), p, oracle.check(q, oracle.execute(q), hashThreshold));
            }
        }

        private void compare(SltRecord record, String recordType, String sql, Outcome p, Outcome o) {
            if (Difference.between(p, o).isPresent()) {
                differences.add(new Difference(script.name(), record.line(), recordType, sql, primary.engine.name(), p,
                        oracle.engine.name(), o));
            }
        }

        private void skip(SltRecord record) {
            primary.skip(record);
            if (oracle != null) {
                oracle.skip(record);
            }
        }

        /** One engine's connection, its tallies against the script, and the results of labelled queries so far. */
        private final class Side {
            private final Engine engine;
            private final Map<String, Labelled> labels = new HashMap<>();
            private final List<Failure> failures = new ArrayList<>();
            private int statementsOk;
            private int statementsFailed;
            private int statementsSkipped;
            private int queriesPassed;
            private int queriesFailed;
            private int queriesSkipped;

            Side(Engine engine) {
                this.engine = engine;
            }

            Outcome execute(SltRecord.Statement s) throws SQLException {
                try (Statement statement = statement()) {
                    boolean gaveRows = statement.execute(s.sql());
                    return new Outcome.Done(gaveRows ? -1 : statement.getUpdateCount());
                } catch (SQLException e) {
                    return refused(s, e);
                }
            }

            Outcome execute(SltRecord.Query q) throws SQLException {
                try (Statement statement = statement(); ResultSet rs = statement.executeQuery(q.sql())) {
                    int columns = rs.getMetaData().getColumnCount();
                    List<String> values = new ArrayList<>();
                    while (rs.next()) {
                        for (int column = 1; column <= columns; column++) {
                            values.add(value(rs, column, q.columnTypes()));
                        }
                    }
                    return new Outcome.Rows(columns, SltFormat.sorted(values, columns, q.sortMode()));
                } catch (SQLException e) {
                    return refused(q, e);
                }
            }

            private Statement statement() throws SQLException {
                Statement statement = engine.connection().createStatement();
                statement.setQueryTimeout((int) queryTimeout.toSeconds());
                return statement;
            }

            /** A column beyond the record's type letters is read as text; the check fails such a query anyway. */
            private static String value(ResultSet rs, int column, String types) throws SQLException {
                char type = column <= types.length() ? types.charAt(column - 1) : 'T';
                return switch (type) {
                    case 'I' -> SltFormat.integer(rs.getObject(column));
                    case 'R' -> SltFormat.real(rs.getObject(column));
                    default -> SltFormat.text(rs.getString(column));
                };
            }

            private Outcome refused(SltRecord record, SQLException e) throws SQLException {
                if (engine.connection().isClosed()) {
                    throw new IllegalStateException(engine.name() + "'s connection closed at " + script.name() + ":"
                            + record.line() + " (" + Outcome.Failed.of(e) + ")", e);
                }
                return Outcome.Failed.of(e);
            }

            Outcome check(SltRecord.Statement s, Outcome outcome) {
                boolean failed = outcome instanceof Outcome.Failed;
                if (failed != s.expectSuccess()) {
                    statementsOk++;
                } else {
                    statementsFailed++;
                    failures.add(new Failure(script.name(), s.line(), s.sql(),
                            s.expectSuccess() ? outcome.toString() : "succeeded; the record expects an error"));
                }
                return outcome;
            }

            Outcome check(SltRecord.Query q, Outcome outcome, int threshold) {
                Optional<String> problem = problem(q, outcome, threshold);
                if (problem.isEmpty()) {
                    queriesPassed++;
                } else {
                    queriesFailed++;
                    failures.add(new Failure(script.name(), q.line(), q.sql(), problem.get()));
                }
                return outcome;
            }

            private Optional<String> problem(SltRecord.Query q, Outcome outcome, int threshold) {
                if (!(outcome instanceof Outcome.Rows rows)) {
                    return Optional.of(outcome.toString());
                }
                if (rows.columns() != q.columnTypes().length()) {
                    return Optional.of(rows.columns() + " columns; the record declares " + q.columnTypes().length()
                            + " (" + q.columnTypes() + ")");
                }
                List<String> values = rows.values();
                boolean hashed = threshold > 0 && values.size() > threshold;
                String md5 = hashed || q.label().isPresent() ? SltFormat.md5(values) : null;
                Optional<String> mismatch = mismatch(q.expected(), values, hashed, md5);
                if (mismatch.isPresent() || q.label().isEmpty()) {
                    return mismatch;
                }
                Labelled first = labels.putIfAbsent(q.label().get(), new Labelled(q.line(), values.size(), md5));
                if (first != null && (first.count() != values.size() || !first.md5().equals(md5))) {
                    return Optional.of(SltFormat.hashLine(values.size(), md5) + "; line " + first.line()
                            + ", labelled " + q.label().get() + " too, gave " + SltFormat.hashLine(first.count(), first.md5()));
                }
                return Optional.empty();
            }

            /** Compares as sqllogictest does: the MD5 line above the threshold, the values one by one below. */
            private static Optional<String> mismatch(Expected expected, List<String> values, boolean hashed, String md5) {
                if (expected instanceof Expected.Unchecked) {
                    return Optional.empty();
                }
                String actual = hashed ? SltFormat.hashLine(values.size(), md5)
                        : values.isEmpty() ? "no rows" : Text.shortened(String.join(" ", values), 300);
                if (expected instanceof Expected.Hash h) {
                    if (hashed && h.count() == values.size() && h.md5().equals(md5)) {
                        return Optional.empty();
                    }
                    return Optional.of(actual + "; expected " + h);
                }
                List<String> wanted = ((Expected.Values) expected).values();
                if (!hashed && wanted.equals(values)) {
                    return Optional.empty();
                }
                return Optional.of(actual + "; expected "
                        + (wanted.isEmpty() ? "no rows" : Text.shortened(String.join(" ", wanted), 300)));
            }

            void skip(SltRecord record) {
                if (record instanceof SltRecord.Statement) {
                    statementsSkipped++;
                } else if (record instanceof SltRecord.Query) {
                    queriesSkipped++;
                }
            }

            EngineReport report() {
                return new EngineReport(engine.name(), statementsOk, statementsFailed, statementsSkipped, queriesPassed,
                        queriesFailed, queriesSkipped, failures);
            }
        }
    }

    /** The first result of a label in this file: later queries with the label must give the same. */
    private record Labelled(int line, int count, String md5) {
    }
}
