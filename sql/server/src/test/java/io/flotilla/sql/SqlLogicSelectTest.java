package io.flotilla.sql;

import io.flotilla.sql.slt.Corpus;
import io.flotilla.sql.slt.FileReport;
import io.flotilla.sql.slt.FileReport.Failure;
import io.flotilla.sql.slt.ScriptRunner;
import io.flotilla.sql.slt.ScriptRunner.Engine;
import io.flotilla.sql.slt.ScriptSchema;
import io.flotilla.sql.slt.SltScript;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * sqllogictest's select1.test ... select5.test (8,884 queries; the corpus of
 * {@code net.hydromatic:sql-logic-test}) through the driver against three real nodes: every
 * record must do what its file expects. One cluster for the class, one connection per file, each
 * file in a schema of its own (the files create t1, t2, ... expecting them absent). The inserts are
 * auto-commit writes, one replicated entry each, as the files issue them. The whole corpus, against
 * embedded H2 as well, is {@code -Psqllogictest} ({@link SqlLogicCorpusRun}).
 */
class SqlLogicSelectTest {

    private static final int FAILURES_SHOWN = 20;

    private static LocalNodes nodes;
    private static Corpus corpus;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        corpus = Corpus.open();
    }

    @AfterAll
    static void stop() throws Exception {
        corpus.close();
        nodes.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"select1.test", "select2.test", "select3.test", "select4.test", "select5.test"})
    void everyRecordDoesWhatTheFileExpects(String file) throws Exception {
        SltScript script = corpus.script(file);
        String schema = "SLT_" + file.replace(".test", "").toUpperCase(Locale.ROOT);
        FileReport report;
        try (Connection c = DriverManager.getConnection(nodes.url());
                ScriptSchema inOwnSchema = ScriptSchema.enter(c, schema)) {
            report = new ScriptRunner(Duration.ofMinutes(1)).run(script, new Engine("flotilla", inOwnSchema.connection()));
        }
        System.out.println(report.summaryLine());
        List<Failure> failures = report.primary().failures();
        failures.stream().limit(FAILURES_SHOWN).forEach(f -> System.out.println("  FAILED " + f));
        assertEquals(0, report.primary().failed(), () -> failures.size() + " records of " + file + " failed; the first "
                + Math.min(failures.size(), FAILURES_SHOWN) + ":\n" + failures.stream().limit(FAILURES_SHOWN)
                        .map(Failure::toString).collect(Collectors.joining("\n")));
        assertEquals(script.queries(), report.primary().queriesPassed(), "every query of the file ran");
    }
}
