package io.flotilla.statemachine.changes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.h2.api.Trigger;

/** A user trigger: writes one audit row per change of the table it is on. */
public final class AuditTrigger implements Trigger {

    private String table;

    @Override
    public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before,
            int type) {
        this.table = tableName;
    }

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        String what = table + (oldRow == null ? " insert " + newRow[0]
                : newRow == null ? " delete " + oldRow[0] : " update " + oldRow[0] + "->" + newRow[0]);
        try (PreparedStatement insert = conn.prepareStatement("INSERT INTO audit(what) VALUES (?)")) {
            insert.setString(1, what);
            insert.executeUpdate();
        }
    }
}
