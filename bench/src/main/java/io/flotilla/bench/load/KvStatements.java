package io.flotilla.bench.load;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.SplittableRandom;

/** The operations of the workloads on LOAD_KV, each on prepared statements of one connection. */
final class KvStatements {

    /** SQLState "no data": a preloaded row that should be there is not. Not retryable. */
    static final String NO_DATA = "02000";

    private KvStatements() {
    }

    /** A value of fixed length so every target stores and ships the same bytes per row. */
    static String value(long id) {
        return String.format("value-%034d", id);
    }

    /** Inserts first, first + stride, first + 2 * stride, ... */
    static final class Insert implements Operation {
        private final PreparedStatement insert;
        private final long stride;
        private long next;

        Insert(Connection connection, long first, long stride) throws SQLException {
            this.insert = connection.prepareStatement(LoadTable.INSERT);
            this.stride = stride;
            this.next = first;
        }

        @Override
        public void run(SplittableRandom random) throws SQLException {
            long id = next;
            // Advance before executing: a failed insert may still have been applied (40003), so
            // its key is never tried again and a later insert cannot hit a duplicate key.
            next += stride;
            insert.setLong(1, id);
            insert.setString(2, value(id));
            insert.setLong(3, 0);
            insert.executeUpdate();
        }

        @Override
        public void close() throws SQLException {
            insert.close();
        }
    }

    /** Point selects with probability readRatio, otherwise an increment of N, of random preloaded rows. */
    static final class ReadUpdate implements Operation {
        private final PreparedStatement select;
        private final PreparedStatement update;
        private final long rows;
        private final double readRatio;

        ReadUpdate(Connection connection, long rows, double readRatio) throws SQLException {
            this.rows = rows;
            this.readRatio = readRatio;
            this.select = connection.prepareStatement("SELECT V, N FROM LOAD_KV WHERE ID = ?");
            try {
                this.update = readRatio < 1.0
                        ? connection.prepareStatement("UPDATE LOAD_KV SET N = N + 1 WHERE ID = ?")
                        : null;
            } catch (SQLException e) {
                select.close();
                throw e;
            }
        }

        @Override
        public void run(SplittableRandom random) throws SQLException {
            long id = random.nextLong(rows);
            if (update == null || random.nextDouble() < readRatio) {
                select.setLong(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    // Reading the columns makes every driver fetch the row, not just position on it.
                    if (!rs.next() || rs.getString(1) == null) {
                        throw new SQLException("preloaded row " + id + " not found", NO_DATA);
                    }
                    rs.getLong(2);
                }
            } else {
                update.setLong(1, id);
                int updated = update.executeUpdate();
                if (updated != 1) {
                    throw new SQLException("update of preloaded row " + id + " changed " + updated + " rows", NO_DATA);
                }
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                select.close();
            } finally {
                if (update != null) {
                    update.close();
                }
            }
        }
    }
}
