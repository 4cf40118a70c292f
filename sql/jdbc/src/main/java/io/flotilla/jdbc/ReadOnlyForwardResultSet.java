package io.flotilla.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;

/**
 * The part of {@link ResultSet} a forward-only, read-only result set refuses: scrolling and row
 * updates. Kept apart so {@link FlotillaResultSet} holds only what it does.
 */
abstract class ReadOnlyForwardResultSet implements ResultSet {

    private static SQLFeatureNotSupportedException notScrollable() {
        return new SQLFeatureNotSupportedException("result sets are forward-only");
    }

    private static SQLFeatureNotSupportedException notUpdatable() {
        return new SQLFeatureNotSupportedException("result sets are read-only");
    }

    @Override
    public final boolean absolute(int arg0) throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void afterLast() throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void beforeFirst() throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void cancelRowUpdates() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void deleteRow() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final boolean first() throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void insertRow() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final boolean last() throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void moveToCurrentRow() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void moveToInsertRow() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final boolean previous() throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void refreshRow() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final boolean relative(int arg0) throws SQLException {
        throw notScrollable();
    }

    @Override
    public final void updateArray(String columnLabel, java.sql.Array arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateArray(int columnIndex, java.sql.Array arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateAsciiStream(String columnLabel, java.io.InputStream arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateAsciiStream(String columnLabel, java.io.InputStream arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateAsciiStream(String columnLabel, java.io.InputStream arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateAsciiStream(int columnIndex, java.io.InputStream arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateAsciiStream(int columnIndex, java.io.InputStream arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateAsciiStream(int columnIndex, java.io.InputStream arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBigDecimal(String columnLabel, java.math.BigDecimal arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBigDecimal(int columnIndex, java.math.BigDecimal arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBinaryStream(String columnLabel, java.io.InputStream arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBinaryStream(String columnLabel, java.io.InputStream arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBinaryStream(String columnLabel, java.io.InputStream arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBinaryStream(int columnIndex, java.io.InputStream arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBinaryStream(int columnIndex, java.io.InputStream arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBinaryStream(int columnIndex, java.io.InputStream arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBlob(String columnLabel, java.io.InputStream arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBlob(String columnLabel, java.io.InputStream arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBlob(String columnLabel, java.sql.Blob arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBlob(int columnIndex, java.io.InputStream arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBlob(int columnIndex, java.io.InputStream arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBlob(int columnIndex, java.sql.Blob arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBoolean(String columnLabel, boolean arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBoolean(int columnIndex, boolean arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateByte(String columnLabel, byte arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateByte(int columnIndex, byte arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBytes(String columnLabel, byte[] arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateBytes(int columnIndex, byte[] arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateCharacterStream(String columnLabel, java.io.Reader arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateCharacterStream(String columnLabel, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateCharacterStream(String columnLabel, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateCharacterStream(int columnIndex, java.io.Reader arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateCharacterStream(int columnIndex, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateCharacterStream(int columnIndex, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateClob(String columnLabel, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateClob(String columnLabel, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateClob(String columnLabel, java.sql.Clob arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateClob(int columnIndex, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateClob(int columnIndex, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateClob(int columnIndex, java.sql.Clob arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateDate(String columnLabel, java.sql.Date arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateDate(int columnIndex, java.sql.Date arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateDouble(String columnLabel, double arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateDouble(int columnIndex, double arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateFloat(String columnLabel, float arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateFloat(int columnIndex, float arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateInt(String columnLabel, int arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateInt(int columnIndex, int arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateLong(String columnLabel, long arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateLong(int columnIndex, long arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNCharacterStream(String columnLabel, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNCharacterStream(String columnLabel, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNCharacterStream(int columnIndex, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNCharacterStream(int columnIndex, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNClob(String columnLabel, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNClob(String columnLabel, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNClob(String columnLabel, java.sql.NClob arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNClob(int columnIndex, java.io.Reader arg1, long arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNClob(int columnIndex, java.io.Reader arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNClob(int columnIndex, java.sql.NClob arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNString(String columnLabel, String arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNString(int columnIndex, String arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNull(String columnLabel) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateNull(int columnIndex) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateObject(String columnLabel, Object arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateObject(String columnLabel, Object arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateObject(int columnIndex, Object arg1, int arg2) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateObject(int columnIndex, Object arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateRef(String columnLabel, java.sql.Ref arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateRef(int columnIndex, java.sql.Ref arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateRow() throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateRowId(String columnLabel, java.sql.RowId arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateRowId(int columnIndex, java.sql.RowId arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateSQLXML(String columnLabel, java.sql.SQLXML arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateSQLXML(int columnIndex, java.sql.SQLXML arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateShort(String columnLabel, short arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateShort(int columnIndex, short arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateString(String columnLabel, String arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateString(int columnIndex, String arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateTime(String columnLabel, java.sql.Time arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateTime(int columnIndex, java.sql.Time arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateTimestamp(String columnLabel, java.sql.Timestamp arg1) throws SQLException {
        throw notUpdatable();
    }

    @Override
    public final void updateTimestamp(int columnIndex, java.sql.Timestamp arg1) throws SQLException {
        throw notUpdatable();
    }

}
