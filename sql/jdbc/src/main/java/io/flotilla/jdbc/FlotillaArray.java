package io.flotilla.jdbc;

import io.flotilla.protocol.wire.SqlStates;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Arrays;
import java.util.Map;

/** An SQL ARRAY value, held entirely in memory as the protocol ships it whole. */
final class FlotillaArray implements Array {
    private final String baseTypeName;
    private final int baseType;
    private Object[] elements;

    FlotillaArray(String baseTypeName, int baseType, Object[] elements) {
        this.baseTypeName = baseTypeName;
        this.baseType = baseType;
        this.elements = elements;
    }

    @Override
    public String getBaseTypeName() throws SQLException {
        check();
        return baseTypeName;
    }

    @Override
    public int getBaseType() throws SQLException {
        check();
        return baseType;
    }

    @Override
    public Object getArray() throws SQLException {
        check();
        return elements.clone();
    }

    @Override
    public Object getArray(Map<String, Class<?>> map) throws SQLException {
        return getArray();
    }

    /** @param index 1-based, as in JDBC */
    @Override
    public Object getArray(long index, int count) throws SQLException {
        check();
        if (index < 1 || count < 0 || index - 1 + count > elements.length) {
            throw new SQLException("array slice out of range: " + index + "+" + count, SqlStates.INVALID_PARAMETER_VALUE);
        }
        return Arrays.copyOfRange(elements, (int) index - 1, (int) index - 1 + count);
    }

    @Override
    public Object getArray(long index, int count, Map<String, Class<?>> map) throws SQLException {
        return getArray(index, count);
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        throw new SQLFeatureNotSupportedException("Array.getResultSet is not supported; use getArray");
    }

    @Override
    public ResultSet getResultSet(Map<String, Class<?>> map) throws SQLException {
        return getResultSet();
    }

    @Override
    public ResultSet getResultSet(long index, int count) throws SQLException {
        return getResultSet();
    }

    @Override
    public ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) throws SQLException {
        return getResultSet();
    }

    @Override
    public void free() {
        elements = null;
    }

    private void check() throws SQLException {
        if (elements == null) {
            throw new SQLException("array was freed", SqlStates.GENERAL_ERROR);
        }
    }

    @Override
    public String toString() {
        return elements == null ? "freed array" : Arrays.deepToString(elements);
    }
}
