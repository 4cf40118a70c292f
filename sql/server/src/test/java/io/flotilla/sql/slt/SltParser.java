package io.flotilla.sql.slt;

import io.flotilla.sql.slt.SltRecord.Conditions;
import io.flotilla.sql.slt.SltRecord.Expected;
import io.flotilla.sql.slt.SltRecord.SortMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a sqllogictest script into records. Records are separated by blank lines; a line that
 * starts with {@code #} outside a record is a comment, and so is the rest of a record's first line
 * from a word that starts with {@code #} ({@code skipif mssql # not compatible}). SQL and result
 * lines are taken as they are, less trailing white space. Anything the format does not define is a
 * {@link SltSyntaxException}, never skipped: a record the parser dropped would be a test that
 * silently did not run.
 */
public final class SltParser {

    private static final Pattern HASH = Pattern.compile("(\\d+) values? hashing to ([0-9a-f]{32})");
    private static final Pattern COLUMN_TYPES = Pattern.compile("[ITR]+");
    private static final String RESULT_SEPARATOR = "----";

    private final String name;
    private final List<String> lines;
    private int next;

    private SltParser(String name, String text) {
        this.name = name;
        this.lines = text.lines().map(String::stripTrailing).toList();
    }

    public static SltScript parse(String name, String text) {
        return new SltParser(name, text).script();
    }

    private SltScript script() {
        List<SltRecord> records = new ArrayList<>();
        while (skipToRecord()) {
            records.add(record());
        }
        return new SltScript(name, records);
    }

    /** Moves past blank and comment lines; false at the end of the file. */
    private boolean skipToRecord() {
        while (next < lines.size() && (lines.get(next).isBlank() || lines.get(next).startsWith("#"))) {
            next++;
        }
        return next < lines.size();
    }

    private SltRecord record() {
        int start = next + 1;
        List<String> skipIf = new ArrayList<>();
        List<String> onlyIf = new ArrayList<>();
        List<String> words = recordWords();
        while (words.get(0).equals("skipif") || words.get(0).equals("onlyif")) {
            if (words.size() < 2) {
                throw error(next + 1, "'" + words.get(0) + "' names no engine");
            }
            (words.get(0).equals("skipif") ? skipIf : onlyIf).add(words.get(1));
            next++;
            if (next == lines.size() || lines.get(next).isBlank()) {
                throw error(next, "'" + words.get(0) + " " + words.get(1) + "' is followed by no record");
            }
            words = recordWords();
        }
        Conditions conditions = skipIf.isEmpty() && onlyIf.isEmpty() ? Conditions.ALWAYS
                : new Conditions(List.copyOf(skipIf), List.copyOf(onlyIf));
        int recordLine = next + 1;
        next++;
        return switch (words.get(0)) {
            case "statement" -> statement(start, recordLine, conditions, words);
            case "query" -> query(start, recordLine, conditions, words);
            case "hash-threshold" -> {
                if (words.size() < 2 || !words.get(1).matches("\\d+")) {
                    throw error(recordLine, "hash-threshold needs a number: " + lines.get(recordLine - 1));
                }
                yield new SltRecord.HashThreshold(start, Integer.parseInt(words.get(1)));
            }
            case "halt" -> new SltRecord.Halt(start, conditions);
            default -> throw error(recordLine, "not a record: " + lines.get(recordLine - 1));
        };
    }

    private SltRecord statement(int start, int recordLine, Conditions conditions, List<String> words) {
        if (words.size() < 2 || !(words.get(1).equals("ok") || words.get(1).equals("error"))) {
            throw error(recordLine, "a statement is 'statement ok' or 'statement error': " + lines.get(recordLine - 1));
        }
        List<String> sql = linesUntil(null);
        if (sql.isEmpty()) {
            throw error(recordLine, "statement without SQL");
        }
        return new SltRecord.Statement(start, conditions, words.get(1).equals("ok"), String.join("\n", sql));
    }

    private SltRecord query(int start, int recordLine, Conditions conditions, List<String> words) {
        if (words.size() < 2 || !COLUMN_TYPES.matcher(words.get(1)).matches()) {
            throw error(recordLine, "a query names its column types (I, T, R): " + lines.get(recordLine - 1));
        }
        SortMode sortMode = SortMode.NOSORT;
        if (words.size() >= 3) {
            sortMode = switch (words.get(2)) {
                case "nosort" -> SortMode.NOSORT;
                case "rowsort" -> SortMode.ROWSORT;
                case "valuesort" -> SortMode.VALUESORT;
                default -> throw error(recordLine, "unknown sort mode '" + words.get(2) + "'");
            };
        }
        Optional<String> label = words.size() >= 4 ? Optional.of(words.get(3)) : Optional.empty();
        List<String> sql = linesUntil(RESULT_SEPARATOR);
        if (sql.isEmpty()) {
            throw error(recordLine, "query without SQL");
        }
        Expected expected;
        if (next < lines.size() && lines.get(next).equals(RESULT_SEPARATOR)) {
            next++;
            expected = expected(linesUntil(null));
        } else {
            expected = new Expected.Unchecked();
        }
        return new SltRecord.Query(start, conditions, words.get(1), sortMode, label, String.join("\n", sql), expected);
    }

    private static Expected expected(List<String> results) {
        if (results.size() == 1) {
            Matcher hash = HASH.matcher(results.get(0));
            if (hash.matches()) {
                return new Expected.Hash(Integer.parseInt(hash.group(1)), hash.group(2));
            }
        }
        return new Expected.Values(results);
    }

    /** The lines from here up to a blank line, the end of the file, or (not included) {@code stop}. */
    private List<String> linesUntil(String stop) {
        List<String> taken = new ArrayList<>();
        while (next < lines.size() && !lines.get(next).isBlank() && !lines.get(next).equals(stop)) {
            taken.add(lines.get(next));
            next++;
        }
        return taken;
    }

    private List<String> recordWords() {
        List<String> words = words(lines.get(next));
        if (words.isEmpty()) {
            throw error(next + 1, "a comment where a record should start");
        }
        return words;
    }

    /** A record's first line as words, up to a word that starts a comment. */
    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        for (String word : line.trim().split("\\s+")) {
            if (word.startsWith("#")) {
                break;
            }
            words.add(word);
        }
        return words;
    }

    private SltSyntaxException error(int line, String message) {
        return new SltSyntaxException(String.format(Locale.ROOT, "%s:%d: %s", name, line, message));
    }

    /** A script the parser does not understand: a harness error, never a skipped record. */
    public static final class SltSyntaxException extends RuntimeException {

        SltSyntaxException(String message) {
            super(message);
        }
    }
}
