package io.flotilla.sql.server;

import io.flotilla.statemachine.range.TableIds;
import io.flotilla.statemachine.range.TableName;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * How many rows a range's replica holds, as H2 counts them without reading them (its tables' row
 * counts): the size that {@code FLOTILLA.RANGES} shows and splits by size go by.
 */
final class RangeRows {

    private RangeRows() {
    }

    /** Every replicated table's rows in the replica {@code c} is connected to. */
    static long total(Connection c) throws SQLException {
        long rows = 0;
        for (TableName t : TableIds.live(c).keySet()) {
            rows += of(c, t);
        }
        return rows;
    }

    /** One table's rows. */
    static long of(Connection c, TableName t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT ROW_COUNT_ESTIMATE FROM INFORMATION_SCHEMA.TABLES "
                + "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, t.schema());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
