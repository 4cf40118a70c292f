package io.flotilla.sql.node;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The meta range's own tables live in its {@code PUBLIC} schema, and each is created (as a
 * replicated schema change) by the first write that needs it: a cluster that never wrote one has
 * none, and readers take a missing table as an empty one.
 */
final class MetaTables {

    private MetaTables() {
    }

    /** Whether the meta range's database behind {@code c} holds the table yet. */
    static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = ?")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }
}
