package io.flotilla.sql.slt;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One script's run: for the engine under test, and for the oracle when there was one, how its
 * records fared against the script's expectations; and every record on which the two engines
 * differ.
 */
public record FileReport(String file, EngineReport primary, Optional<EngineReport> oracle, List<Difference> differences,
        Duration elapsed) {

    public FileReport {
        differences = List.copyOf(differences);
    }

    /** How one engine fared against a script's expected results. Skipped: not run (skipif, onlyif, halt). */
    public record EngineReport(String engine, int statementsOk, int statementsFailed, int statementsSkipped,
            int queriesPassed, int queriesFailed, int queriesSkipped, List<Failure> failures) {

        public EngineReport {
            failures = List.copyOf(failures);
        }

        /** Statements and queries that did not do what the script expects. */
        public int failed() {
            return statementsFailed + queriesFailed;
        }
    }

    /** A record that did not do what the script expects, and how. */
    public record Failure(String file, int line, String sql, String problem) {

        @Override
        public String toString() {
            return file + ":" + line + ": " + problem + "\n    " + Text.shortened(Text.oneLine(sql), 300);
        }
    }

    /** {@code slt select1.test: statements 31 ok, queries 1000 ok, 0 failed, 4.2 s}, and the oracle's figures if any. */
    public String summaryLine() {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "slt %s: statements %d ok, queries %d ok, %d failed",
                file, primary.statementsOk(), primary.queriesPassed(), primary.failed()));
        int skipped = primary.statementsSkipped() + primary.queriesSkipped();
        if (skipped > 0) {
            line.append(", ").append(skipped).append(" skipped");
        }
        oracle.ifPresent(o -> line.append(String.format(Locale.ROOT, "; %s: queries %d ok, %d failed; %d differences",
                o.engine(), o.queriesPassed(), o.failed(), differences.size())));
        line.append(String.format(Locale.ROOT, ", %.1f s", elapsed.toMillis() / 1000.0));
        return line.toString();
    }
}
