package io.flotilla.statemachine.changes;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcResultSet;
import org.h2.tools.TriggerAdapter;
import org.h2.value.Value;

/**
 * The row trigger {@link ChangeCapture} installs on every replicated table. It does nothing in a
 * session without a {@link ChangeRecorder} (the apply session, snapshot restore, bookkeeping).
 *
 * <p>In a recording session it charges the written row images against the change set size limit,
 * so the statement that crosses the limit is the one that fails. The rows themselves are read
 * from the transaction's undo log when the change set is built (see {@link TransactionChanges}).
 *
 * <p>A {@link TriggerAdapter} because H2 then hands over the stored {@link Value}s themselves
 * ({@link JdbcResultSet#getInternal}), not Java objects converted from them.
 */
public final class CaptureTrigger extends TriggerAdapter {

    @Override
    public void fire(Connection connection, ResultSet oldRow, ResultSet newRow) throws SQLException {
        SessionLocal session = EmbeddedSession.of(connection);
        ChangeRecorder recorder = RecorderRegistry.lookup(session);
        if (recorder == null) {
            return;
        }
        recorder.rowWritten(schemaName, tableName, values(oldRow), values(newRow));
    }

    private static Value[] values(ResultSet row) throws SQLException {
        if (row == null) {
            return null;
        }
        JdbcResultSet result = (JdbcResultSet) row;
        Value[] values = new Value[result.getMetaData().getColumnCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = result.getInternal(i + 1);
        }
        return values;
    }
}
