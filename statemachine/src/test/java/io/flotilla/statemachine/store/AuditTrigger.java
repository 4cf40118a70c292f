package io.flotilla.statemachine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import org.h2.api.Trigger;

/** Records each inserted key in AUDIT: shows whether a trigger fired, and how often. */
public final class AuditTrigger implements Trigger {

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO AUDIT(ITEM_ID) VALUES (?)")) {
            insert.setObject(1, newRow[0]);
            insert.executeUpdate();
        }
    }
}
