package io.flotilla.sql.slt;

import java.sql.SQLException;
import java.util.List;

/** What one engine did with one record: what sqllogictest compares, and what two engines are compared by. */
public sealed interface Outcome {

    /** A statement ran; {@code updateCount} as JDBC reports it, -1 when it gave a result set. */
    record Done(long updateCount) implements Outcome {

        @Override
        public String toString() {
            return updateCount < 0 ? "ok" : "ok, update count " + updateCount;
        }
    }

    /** A query's rows, rendered by the record's type letters and in its sort mode's order. */
    record Rows(int columns, List<String> values) implements Outcome {

        public Rows {
            values = List.copyOf(values);
        }

        @Override
        public String toString() {
            if (values.size() > SltFormat.DEFAULT_HASH_THRESHOLD) {
                return columns + " columns, " + SltFormat.hashLine(values.size(), SltFormat.md5(values)) + ": "
                        + Text.shortened(String.join(" ", values), 120);
            }
            return columns + " columns: " + (values.isEmpty() ? "no rows" : String.join(" ", values));
        }
    }

    /** The engine refused the record: its SQLState and message. */
    record Failed(String sqlState, String message) implements Outcome {

        static Failed of(SQLException e) {
            return new Failed(String.valueOf(e.getSQLState()), String.valueOf(e.getMessage()));
        }

        @Override
        public String toString() {
            return "error " + sqlState + ": " + Text.shortened(Text.oneLine(message), 200);
        }
    }
}
