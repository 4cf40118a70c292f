package io.flotilla.sql.server;

import io.flotilla.protocol.Column;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.RowBatch;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;

/**
 * A result set the client reads a page at a time. When done it closes its rows and lets go of its
 * statement ({@code release}: closes it, or gives it back to a {@link StatementCache}).
 */
final class Cursor implements AutoCloseable {

    final long id;
    private final AutoCloseable release;
    private final ResultSet rows;
    private final int[] types;
    private boolean done;
    private boolean released;

    Cursor(long id, Statement statement, ResultSet rows) throws SQLException {
        this(id, rows, statement::close);
    }

    Cursor(long id, ResultSet rows, AutoCloseable release) throws SQLException {
        this.id = id;
        this.release = release;
        this.rows = rows;
        ResultSetMetaData md = rows.getMetaData();
        this.types = new int[md.getColumnCount()];
        for (int i = 0; i < types.length; i++) {
            types[i] = md.getColumnType(i + 1);
        }
    }

    /** The column descriptions, for the first page. */
    static RowBatch.Builder columns(ResultSetMetaData md) throws SQLException {
        RowBatch.Builder b = RowBatch.newBuilder();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            Column.Builder c = Column.newBuilder()
                    .setName(nonNull(md.getColumnName(i))).setLabel(nonNull(md.getColumnLabel(i)))
                    .setTypeName(nonNull(md.getColumnTypeName(i)))
                    .setPrecision(md.getPrecision(i)).setScale(md.getScale(i)).setNullable(md.isNullable(i))
                    .setSchema(nonNull(md.getSchemaName(i))).setTable(nonNull(md.getTableName(i)))
                    .setAutoIncrement(md.isAutoIncrement(i)).setDisplaySize(md.getColumnDisplaySize(i));
            try {
                c.setJdbcType(md.getColumnType(i)).setClassName(nonNull(md.getColumnClassName(i)));
            } catch (SQLException noTypeYet) {
                // A statement described before execution whose column has no type (SELECT ?).
                c.setJdbcType(Types.OTHER).setTypeUnknown(true);
            }
            b.addColumns(c);
        }
        return b;
    }

    /** The next page: up to {@code size} rows; the cursor closes itself after the last. */
    RowBatch.Builder page(RowBatch.Builder batch, int size) throws SQLException {
        int n = 0;
        while (n < size && !done) {
            if (!rows.next()) {
                done = true;
                break;
            }
            Row.Builder row = Row.newBuilder();
            for (int i = 0; i < types.length; i++) {
                row.addValues(Values.column(rows, i + 1, types[i]));
            }
            batch.addRows(row);
            n++;
        }
        if (!done && rows.isAfterLast()) {
            done = true;
        }
        if (done) {
            close();
        }
        return batch.setCursor(done ? 0 : id).setLast(done);
    }

    boolean done() {
        return done;
    }

    @Override
    public void close() throws SQLException {
        if (released) {
            return;
        }
        done = true;
        released = true;
        try (rows) {
            release.close();
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("releasing a cursor's statement failed", "XX000", e);
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
