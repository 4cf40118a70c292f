package io.flotilla.statemachine.changes;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Trigger;

/** A user trigger that fails every statement that fires it. */
public final class RefusingTrigger implements Trigger {

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        throw new SQLException("RefusingTrigger fired", "45000");
    }
}
