package io.flotilla.sql;

import io.flotilla.sql.slt.Corpus;
import io.flotilla.sql.slt.CorpusReport;
import io.flotilla.sql.slt.FileReport;
import io.flotilla.sql.slt.ScriptRunner;
import io.flotilla.sql.slt.ScriptRunner.Engine;
import io.flotilla.sql.slt.ScriptSchema;
import io.flotilla.sql.slt.SltScript;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The sqllogictest corpus through Flotilla with embedded H2 as the oracle:
 * {@code mvn -B -ntp -pl sql/server -am test -Psqllogictest [-Dflotilla.slt.files=GLOB]}. Not part
 * of the default build (its name matches none of surefire's patterns; the profile names it).
 *
 * <p>Each file runs record by record through a three-node cluster in this JVM (one connection, a
 * schema of its own) and through an in-memory H2 database of its own. Both are checked against the
 * file's expected results; the records on which Flotilla's outcome (rows, update count, error or
 * not, SQLState) differs from H2's are what it is for: printed grouped by kind, and every one of
 * them in {@code target/slt-report.md}. Differences do not fail the run unless
 * {@code -Dflotilla.slt.failOnDifferences=true}; harness errors (an unparsable file, a lost
 * connection, a schema that could not be set up or dropped) always do.
 *
 * <p>{@code flotilla.slt.files}: a glob over the corpus's paths below {@code test/} (default: all of
 * it, {@code **.test}), e.g. {@code 'select*.test'}, {@code 'index/between/10/*'},
 * {@code '{evidence/*,random/expr/slt_good_1*}'}.
 */
class SqlLogicCorpusRun {

    private static final String FILES = System.getProperty("flotilla.slt.files", "**.test");
    private static final Path REPORT = Path.of(System.getProperty("flotilla.slt.report", "target/slt-report.md"));
    private static final boolean FAIL_ON_DIFFERENCES = Boolean.getBoolean("flotilla.slt.failOnDifferences");
    private static final int EXAMPLES_PRINTED = 3;

    @Test
    void corpusThroughFlotillaAgainstEmbeddedH2() throws Exception {
        ScriptRunner runner = new ScriptRunner(Duration.ofMinutes(2));
        try (Corpus corpus = Corpus.open(); LocalNodes nodes = new LocalNodes(3);
                CorpusReport report = new CorpusReport("flotilla", "h2", FILES)) {
            List<String> files = corpus.files(FILES);
            assertFalse(files.isEmpty(), "no file of the corpus matches " + FILES);
            System.out.println("slt corpus: " + files.size() + " files match " + FILES);
            for (int i = 0; i < files.size(); i++) {
                String file = files.get(i);
                String schema = "SLT_" + (i + 1);
                try {
                    SltScript script = corpus.script(file);
                    try (Connection flotilla = DriverManager.getConnection(nodes.url());
                            Connection h2 = DriverManager.getConnection("jdbc:h2:mem:");
                            ScriptSchema onFlotilla = ScriptSchema.enter(flotilla, schema);
                            ScriptSchema onH2 = ScriptSchema.enter(h2, schema)) {
                        FileReport r = runner.run(script, new Engine("flotilla", onFlotilla.connection()),
                                new Engine("h2", onH2.connection()));
                        report.add(r);
                        System.out.println(r.summaryLine());
                    }
                } catch (Exception e) {
                    report.harnessError(file, e);
                    System.out.println("slt HARNESS ERROR " + file + ": " + e);
                    e.printStackTrace(System.out);
                }
            }
            report.write(REPORT);
            report.print(System.out, EXAMPLES_PRINTED);
            System.out.println("slt report: " + REPORT.toAbsolutePath());
            assertEquals(List.of(), report.harnessErrors(), "harness errors");
            if (FAIL_ON_DIFFERENCES) {
                assertEquals(0, report.differences(), "records on which flotilla and h2 differ; see " + REPORT.toAbsolutePath());
            }
        }
    }
}
