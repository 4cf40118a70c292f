package io.flotilla.sql.slt;

import io.flotilla.sql.slt.FileReport.EngineReport;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of many files run through an engine under test and an oracle: per file and in total,
 * how each engine fared against the files' expected results, and the records on which the two
 * differ, grouped by kind with a few examples each. Every difference goes to a scratch file as it
 * comes (a whole-corpus run may have many) and into the Markdown report at the end.
 */
public final class CorpusReport implements AutoCloseable {

    private static final int EXAMPLES_PER_GROUP = 5;

    private final String primaryEngine;
    private final String oracleEngine;
    private final String selection;
    private final Instant started = Instant.now();
    private final List<FileRow> files = new ArrayList<>();
    private final Map<String, Group> groups = new HashMap<>();
    private final List<String> harnessErrors = new ArrayList<>();
    private final Path everyDifference;
    private final BufferedWriter differencesOut;
    private Totals primary = Totals.NONE;
    private Totals oracle = Totals.NONE;
    private long differences;

    /** {@code selection}: which files, as the run was asked (a glob), for the report's heading. */
    public CorpusReport(String primaryEngine, String oracleEngine, String selection) throws IOException {
        this.primaryEngine = primaryEngine;
        this.oracleEngine = oracleEngine;
        this.selection = selection;
        this.everyDifference = Files.createTempFile("slt-differences-", ".md");
        this.differencesOut = Files.newBufferedWriter(everyDifference, StandardCharsets.UTF_8);
    }

    /** A file's figures and differences; the file must have been run with an oracle. */
    public void add(FileReport report) throws IOException {
        EngineReport o = report.oracle().orElseThrow(() -> new IllegalArgumentException(report.file() + " ran without an oracle"));
        files.add(new FileRow(report.file(), report.primary(), o, report.differences().size(), report.elapsed()));
        primary = primary.plus(report.primary());
        oracle = oracle.plus(o);
        for (Difference d : report.differences()) {
            differences++;
            Group g = groups.computeIfAbsent(d.group(), k -> new Group());
            g.count++;
            if (g.examples.size() < EXAMPLES_PER_GROUP) {
                g.examples.add(d);
            }
            differencesOut.write(markdownItem(d));
        }
    }

    /** A file that could not be run to its end: unparsable, a connection lost, anything not an SQL outcome. */
    public void harnessError(String file, Throwable error) {
        harnessErrors.add(file + ": " + error);
    }

    public List<String> harnessErrors() {
        return List.copyOf(harnessErrors);
    }

    public long differences() {
        return differences;
    }

    /** The totals and each group of differences with up to {@code examples} examples. */
    public void print(PrintStream out, int examples) {
        out.println(totalsLine());
        for (Map.Entry<String, Group> g : largestFirst()) {
            out.printf(Locale.ROOT, "slt differences: %d × %s%n", g.getValue().count, g.getKey());
            g.getValue().examples.stream().limit(examples).forEach(d -> out.println("    " + d.toString().replace("\n", "\n    ")));
        }
        harnessErrors.forEach(e -> out.println("slt HARNESS ERROR " + e));
    }

    private String totalsLine() {
        return String.format(Locale.ROOT, "slt corpus (%s): %d files; %s: statements %d ok, %d failed; queries %d passed, "
                + "%d failed, %d skipped; %s: queries %d passed, %d failed; %d differences; %d harness errors; %.0f s",
                selection, files.size(), primaryEngine, primary.statementsOk, primary.statementsFailed, primary.queriesPassed,
                primary.queriesFailed, primary.queriesSkipped, oracleEngine, oracle.queriesPassed, oracle.queriesFailed,
                differences, harnessErrors.size(), elapsedSeconds());
    }

    /** Writes the Markdown report: totals, differences by kind, harness errors, every file, every difference. */
    public void write(Path report) throws IOException {
        differencesOut.flush();
        Files.createDirectories(report.toAbsolutePath().getParent());
        try (BufferedWriter out = Files.newBufferedWriter(report, StandardCharsets.UTF_8)) {
            out.write("# sqllogictest: " + primaryEngine + " against " + oracleEngine + "\n\n");
            out.write(String.format(Locale.ROOT, "Files `%s` (%d), run %s, %.0f s. Skipped: not run by the "
                    + "script's `skipif`/`onlyif`/`halt` for engine `%s`.%n%n", selection, files.size(), started,
                    elapsedSeconds(), ScriptRunner.DIALECT));
            out.write("| engine | statements ok | statements failed | queries passed | queries failed | queries skipped |\n");
            out.write("|---|---:|---:|---:|---:|---:|\n");
            out.write(totalsRow(primaryEngine, primary));
            out.write(totalsRow(oracleEngine, oracle));
            out.write(String.format(Locale.ROOT, "%nRecords on which %s and %s differ: %d. Harness errors: %d.%n%n",
                    primaryEngine, oracleEngine, differences, harnessErrors.size()));
            out.write("## Differences by kind\n\n");
            if (groups.isEmpty()) {
                out.write("None.\n\n");
            }
            for (Map.Entry<String, Group> g : largestFirst()) {
                out.write(String.format(Locale.ROOT, "### %s: %d%n%n", g.getKey(), g.getValue().count));
                for (Difference d : g.getValue().examples) {
                    out.write(markdownItem(d));
                }
                out.write("\n");
            }
            out.write("## Harness errors\n\n");
            out.write(harnessErrors.isEmpty() ? "None.\n" : "");
            for (String e : harnessErrors) {
                out.write("- " + Text.oneLine(e) + "\n");
            }
            out.write("\n## Files\n\n");
            out.write(String.format(Locale.ROOT, "| file | %1$s statements ok / failed | %1$s queries passed / failed / skipped "
                    + "| %2$s queries passed / failed | differences | seconds |%n", primaryEngine, oracleEngine));
            out.write("|---|---:|---:|---:|---:|---:|\n");
            for (FileRow f : files) {
                out.write(String.format(Locale.ROOT, "| %s | %d / %d | %d / %d / %d | %d / %d | %d | %.1f |%n", f.file(),
                        f.primary().statementsOk(), f.primary().statementsFailed(), f.primary().queriesPassed(),
                        f.primary().queriesFailed(), f.primary().queriesSkipped(), f.oracle().queriesPassed(),
                        f.oracle().queriesFailed(), f.differences(), f.elapsed().toMillis() / 1000.0));
            }
            out.write("\n## Every difference\n\n");
            if (differences == 0) {
                out.write("None.\n");
            }
            try (BufferedReader in = Files.newBufferedReader(everyDifference, StandardCharsets.UTF_8)) {
                in.transferTo(out);
            }
        }
    }

    private static String totalsRow(String engine, Totals t) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d |%n", engine, t.statementsOk, t.statementsFailed,
                t.queriesPassed, t.queriesFailed, t.queriesSkipped);
    }

    private static String markdownItem(Difference d) {
        return "- `" + d.file() + ":" + d.line() + "` " + d.recordType() + " `" + Text.shortened(Text.oneLine(d.sql()), 300)
                + "`\n  - " + d.primaryEngine() + ": " + d.primary() + "\n  - " + d.oracleEngine() + ": " + d.oracle() + "\n";
    }

    private List<Map.Entry<String, Group>> largestFirst() {
        return groups.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, Group> e) -> -e.getValue().count)
                        .thenComparing(Map.Entry::getKey))
                .toList();
    }

    private double elapsedSeconds() {
        return Duration.between(started, Instant.now()).toMillis() / 1000.0;
    }

    @Override
    public void close() {
        try {
            differencesOut.close();
            Files.deleteIfExists(everyDifference);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Group {
        long count;
        final List<Difference> examples = new ArrayList<>();
    }

    private record FileRow(String file, EngineReport primary, EngineReport oracle, int differences, Duration elapsed) {

        FileRow {
            // Only the figures are kept for the table: a file's failures can be many.
            primary = withoutFailures(primary);
            oracle = withoutFailures(oracle);
        }

        private static EngineReport withoutFailures(EngineReport r) {
            return new EngineReport(r.engine(), r.statementsOk(), r.statementsFailed(), r.statementsSkipped(),
                    r.queriesPassed(), r.queriesFailed(), r.queriesSkipped(), List.of());
        }
    }

    private record Totals(long statementsOk, long statementsFailed, long queriesPassed, long queriesFailed,
            long queriesSkipped) {

        static final Totals NONE = new Totals(0, 0, 0, 0, 0);

        Totals plus(EngineReport r) {
            return new Totals(statementsOk + r.statementsOk(), statementsFailed + r.statementsFailed(),
                    queriesPassed + r.queriesPassed(), queriesFailed + r.queriesFailed(), queriesSkipped + r.queriesSkipped());
        }
    }
}
