package io.flotilla.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

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
import org.junit.jupiter.api.Test;

class SqlErrorsTest {

    private static SQLException map(String state) {
        SQLException e = SqlErrors.toException(Error.newBuilder().setSqlState(state).setMessage("m").setVendorCode(42).build());
        assertEquals(state, e.getSQLState());
        assertEquals(42, e.getErrorCode());
        return e;
    }

    @Test
    void mapsBySqlStateClass() {
        assertInstanceOf(SQLIntegrityConstraintViolationException.class, map("23505"));
        assertInstanceOf(SQLSyntaxErrorException.class, map("42S02"));
        assertInstanceOf(SQLTransactionRollbackException.class, map("40001"));
        assertInstanceOf(SQLTransactionRollbackException.class, map("40003"));
        assertInstanceOf(SQLNonTransientConnectionException.class, map("08006"));
        assertInstanceOf(SQLTransientConnectionException.class, map("08F01"));
        assertInstanceOf(SQLTransientConnectionException.class, map("08F02"));
        assertInstanceOf(SQLFeatureNotSupportedException.class, map("0A000"));
        assertInstanceOf(SQLDataException.class, map("22012"));
        assertInstanceOf(SQLTimeoutException.class, map("57014"));
        assertEquals(SQLException.class, map("HY000").getClass());
    }
}
