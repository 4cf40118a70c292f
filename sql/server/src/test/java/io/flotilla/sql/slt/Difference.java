package io.flotilla.sql.slt;

import java.util.Optional;

/** A record on which the engine under test and the oracle did not do the same thing. */
public record Difference(String file, int line, String recordType, String sql, String primaryEngine, Outcome primary,
        String oracleEngine, Outcome oracle) {

    public enum Kind {
        /** Only the engine under test refused it. */
        FAILS_ONLY_ON_PRIMARY,
        /** Only the oracle refused it. */
        FAILS_ONLY_ON_ORACLE,
        /** Both refused it, with different SQLStates. */
        DIFFERENT_SQLSTATE,
        /** Both ran the query; the rendered values differ. */
        DIFFERENT_ROWS,
        /** Both ran the statement; the update counts differ. */
        DIFFERENT_UPDATE_COUNT
    }

    /** The kind of difference between two outcomes of the same record, if they differ. */
    public static Optional<Kind> between(Outcome primary, Outcome oracle) {
        if (primary instanceof Outcome.Failed p && oracle instanceof Outcome.Failed o) {
            return p.sqlState().equals(o.sqlState()) ? Optional.empty() : Optional.of(Kind.DIFFERENT_SQLSTATE);
        }
        if (primary instanceof Outcome.Failed) {
            return Optional.of(Kind.FAILS_ONLY_ON_PRIMARY);
        }
        if (oracle instanceof Outcome.Failed) {
            return Optional.of(Kind.FAILS_ONLY_ON_ORACLE);
        }
        if (primary.equals(oracle)) {
            return Optional.empty();
        }
        return Optional.of(primary instanceof Outcome.Done ? Kind.DIFFERENT_UPDATE_COUNT : Kind.DIFFERENT_ROWS);
    }

    public Kind kind() {
        return between(primary, oracle).orElseThrow(() -> new IllegalStateException("not a difference: " + this));
    }

    /**
     * What differences are grouped by in reports: the kind, the record type and the SQLStates, e.g.
     * {@code statement fails only on flotilla: 0A000}.
     */
    public String group() {
        return switch (kind()) {
            case FAILS_ONLY_ON_PRIMARY -> recordType + " fails only on " + primaryEngine + ": " + state(primary);
            case FAILS_ONLY_ON_ORACLE -> recordType + " fails only on " + oracleEngine + ": " + state(oracle);
            case DIFFERENT_SQLSTATE -> recordType + " fails on both with different SQLStates: " + primaryEngine + " "
                    + state(primary) + ", " + oracleEngine + " " + state(oracle);
            case DIFFERENT_ROWS -> recordType + " rows differ";
            case DIFFERENT_UPDATE_COUNT -> recordType + " update counts differ";
        };
    }

    private static String state(Outcome outcome) {
        return ((Outcome.Failed) outcome).sqlState();
    }

    @Override
    public String toString() {
        return file + ":" + line + ": " + Text.shortened(Text.oneLine(sql), 300) + "\n    " + primaryEngine + ": "
                + primary + "\n    " + oracleEngine + ": " + oracle;
    }
}
