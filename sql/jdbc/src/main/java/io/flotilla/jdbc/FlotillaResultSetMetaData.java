package io.flotilla.jdbc;

import io.flotilla.protocol.Column;
import io.flotilla.protocol.wire.SqlStates;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** A result set's columns as the node described them in the first RowBatch. */
public class FlotillaResultSetMetaData implements SelfWrapper, ResultSetMetaData {
    private final List<Column> columns;
    /** Names the catalog; null for a result the driver made itself. */
    private final FlotillaConnection connection;

    FlotillaResultSetMetaData(List<Column> columns, FlotillaConnection connection) {
        this.columns = columns;
        this.connection = connection;
    }

    private Column column(int column) throws SQLException {
        if (column < 1 || column > columns.size()) {
            throw new SQLException("column index " + column + " out of range 1.." + columns.size(),
                    SqlStates.INVALID_DESCRIPTOR_INDEX);
        }
        return columns.get(column - 1);
    }

    @Override
    public int getColumnCount() {
        return columns.size();
    }

    @Override
    public boolean isAutoIncrement(int column) throws SQLException {
        return column(column).getAutoIncrement();
    }

    /** As H2's driver: H2 compares every value exactly (VARCHAR_IGNORECASE aside, which it counts too). */
    @Override
    public boolean isCaseSensitive(int column) throws SQLException {
        column(column);
        return true;
    }

    @Override
    public boolean isSearchable(int column) throws SQLException {
        column(column);
        return true;
    }

    @Override
    public boolean isCurrency(int column) throws SQLException {
        column(column);
        return false;
    }

    @Override
    public int isNullable(int column) throws SQLException {
        return column(column).getNullable();
    }

    @Override
    public boolean isSigned(int column) throws SQLException {
        switch (column(column).getJdbcType()) {
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
            case Types.BIGINT:
            case Types.REAL:
            case Types.FLOAT:
            case Types.DOUBLE:
            case Types.NUMERIC:
            case Types.DECIMAL:
                return true;
            default:
                return false;
        }
    }

    @Override
    public int getColumnDisplaySize(int column) throws SQLException {
        return column(column).getDisplaySize();
    }

    @Override
    public String getColumnLabel(int column) throws SQLException {
        return FlotillaResultSet.labelOf(column(column));
    }

    @Override
    public String getColumnName(int column) throws SQLException {
        return column(column).getName();
    }

    @Override
    public String getSchemaName(int column) throws SQLException {
        return column(column).getSchema();
    }

    @Override
    public int getPrecision(int column) throws SQLException {
        return column(column).getPrecision();
    }

    @Override
    public int getScale(int column) throws SQLException {
        return column(column).getScale();
    }

    @Override
    public String getTableName(int column) throws SQLException {
        return column(column).getTable();
    }

    @Override
    /** As H2's driver: the connection's catalog, for every column. */
    public String getCatalogName(int column) throws SQLException {
        column(column);
        return connection == null ? "" : connection.catalogName();
    }

    @Override
    public int getColumnType(int column) throws SQLException {
        Column c = column(column);
        if (c.getTypeUnknown()) {
            throw new SQLException("column " + column + " has no type before the statement runs", "HY004");
        }
        return c.getJdbcType();
    }

    @Override
    public String getColumnTypeName(int column) throws SQLException {
        return column(column).getTypeName();
    }

    @Override
    public boolean isReadOnly(int column) throws SQLException {
        column(column);
        return false;
    }

    @Override
    public boolean isWritable(int column) throws SQLException {
        column(column);
        return true;
    }

    @Override
    public boolean isDefinitelyWritable(int column) throws SQLException {
        column(column);
        return false;
    }

    /** The node's answer when it gave one, else the class getObject returns for the type. */
    @Override
    public String getColumnClassName(int column) throws SQLException {
        Column c = column(column);
        if (c.getTypeUnknown()) {
            throw new SQLException("column " + column + " has no type before the statement runs", "HYC00");
        }
        if (!c.getClassName().isEmpty()) {
            return c.getClassName();
        }
        switch (c.getJdbcType()) {
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
                return Integer.class.getName();
            case Types.BIGINT:
                return Long.class.getName();
            case Types.NUMERIC:
            case Types.DECIMAL:
                return java.math.BigDecimal.class.getName();
            case Types.REAL:
                return Float.class.getName();
            case Types.FLOAT:
            case Types.DOUBLE:
                return Double.class.getName();
            case Types.BOOLEAN:
            case Types.BIT:
                return Boolean.class.getName();
            case Types.DATE:
                return java.sql.Date.class.getName();
            case Types.TIME:
                return java.sql.Time.class.getName();
            case Types.TIMESTAMP:
                return java.sql.Timestamp.class.getName();
            case Types.TIME_WITH_TIMEZONE:
                return java.time.OffsetTime.class.getName();
            case Types.TIMESTAMP_WITH_TIMEZONE:
                return java.time.OffsetDateTime.class.getName();
            case Types.BINARY:
            case Types.VARBINARY:
            case Types.LONGVARBINARY:
                return byte[].class.getName();
            case Types.BLOB:
                return java.sql.Blob.class.getName();
            case Types.CLOB:
                return java.sql.Clob.class.getName();
            case Types.ARRAY:
                return java.sql.Array.class.getName();
            default:
                return isText(c.getJdbcType()) ? String.class.getName() : Object.class.getName();
        }
    }

    private static boolean isText(int jdbcType) {
        switch (jdbcType) {
            case Types.CHAR:
            case Types.VARCHAR:
            case Types.LONGVARCHAR:
            case Types.NCHAR:
            case Types.NVARCHAR:
            case Types.LONGNVARCHAR:
            case Types.CLOB:
            case Types.NCLOB:
                return true;
            default:
                return false;
        }
    }


}
