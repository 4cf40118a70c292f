package io.flotilla.protocol.wire;

import io.flotilla.protocol.Error;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;

/** Turns a node's Error into the SQLException subclass its SQLState class calls for. */
public final class SqlErrors {

    private SqlErrors() {
    }

    public static SQLException toException(Error error) {
        return toException(error.getMessage(), error.getSqlState(), error.getVendorCode(), null);
    }

    public static SQLException toException(String message, String sqlState, int vendorCode, Throwable cause) {
        String state = sqlState == null ? "" : sqlState;
        SQLException e;
        if (SqlStates.isFailover(state)) {
            e = new SQLTransientConnectionException(message, state, vendorCode);
        } else if (state.startsWith("08")) {
            e = new SQLNonTransientConnectionException(message, state, vendorCode);
        } else if (state.startsWith("23")) {
            e = new SQLIntegrityConstraintViolationException(message, state, vendorCode);
        } else if (state.startsWith("42")) {
            e = new SQLSyntaxErrorException(message, state, vendorCode);
        } else if (state.startsWith("40")) {
            e = new SQLTransactionRollbackException(message, state, vendorCode);
        } else if (state.startsWith("0A")) {
            e = new SQLFeatureNotSupportedException(message, state, vendorCode);
        } else if (state.startsWith("22")) {
            e = new SQLDataException(message, state, vendorCode);
        } else if (state.equals(SqlStates.QUERY_CANCELED)) {
            e = new SQLTimeoutException(message, state, vendorCode);
        } else {
            e = new SQLException(message, state.isEmpty() ? null : state, vendorCode);
        }
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
