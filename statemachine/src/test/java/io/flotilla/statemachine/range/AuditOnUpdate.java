package io.flotilla.statemachine.range;

import org.h2.api.Trigger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** A user trigger: every balance change of an account leaves a row in AUDIT (an identity table). */
public final class AuditOnUpdate implements Trigger {

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        long delta = ((Number) newRow[1]).longValue() - ((Number) oldRow[1]).longValue();
        if (delta == 0) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO AUDIT(ACCOUNT_ID, DELTA) VALUES (?, ?)")) {
            insert.setInt(1, ((Number) newRow[0]).intValue());
            insert.setLong(2, delta);
            insert.executeUpdate();
        }
    }
}
