package io.flotilla.statemachine.store;

import java.nio.ByteBuffer;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.h2.jdbc.JdbcResultSet;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.db.ValueDataType;
import org.h2.value.Value;
import org.h2.value.ValueBlob;
import org.h2.value.ValueClob;
import org.h2.value.ValueVarchar;

/**
 * Rows in H2's own storage encoding ({@link ValueDataType}), reached through H2's internal value
 * API: the one encoding that round-trips every H2 type (intervals, arrays, rows, JSON, time zones,
 * DECFLOAT...) exactly, with no JDBC type mapping in between. H2 is pinned to one version, and the
 * image carries a format version of its own.
 *
 * <p>Two kinds of values are rewritten first, because their stored form refers to the source
 * database: large objects, whose stored form is a reference into the source's LOB storage, travel
 * inline (and are held in memory one value at a time), and enum values, whose stored form is an
 * ordinal without the type, travel as their label.
 */
final class RowCodec {

    private final ValueDataType values = new ValueDataType();
    private final WriteBuffer buffer = new WriteBuffer(1024);

    /** Encodes the current row of an H2 result set; the result is valid until the next call. */
    ByteBuffer encode(ResultSet row, int columnCount) throws SQLException {
        JdbcResultSet h2Row = row.unwrap(JdbcResultSet.class);
        buffer.clear();
        for (int column = 1; column <= columnCount; column++) {
            values.write(buffer, portable(h2Row.getInternal(column)));
        }
        ByteBuffer encoded = buffer.getBuffer();
        encoded.flip();
        return encoded;
    }

    /**
     * Decodes {@code columnCount} values.
     *
     * @throws CorruptImageException if the bytes are not exactly that many encoded values
     */
    Value[] decode(ByteBuffer encoded, int columnCount) throws CorruptImageException {
        Value[] row = new Value[columnCount];
        try {
            for (int column = 0; column < columnCount; column++) {
                row[column] = values.read(encoded);
            }
        } catch (RuntimeException damaged) {
            // Garbage reaches H2's decoder as DbException, BufferUnderflowException and the like.
            throw new CorruptImageException("undecodable row value: " + damaged.getMessage(), damaged);
        }
        if (encoded.hasRemaining()) {
            throw new CorruptImageException(encoded.remaining() + " stray bytes after a row of " + columnCount + " values");
        }
        return row;
    }

    private static Value portable(Value value) {
        switch (value.getValueType()) {
            case Value.BLOB:
                return ValueBlob.createSmall(value.getBytesNoCopy());
            case Value.CLOB:
                return ValueClob.createSmall(value.getString());
            case Value.ENUM:
                return ValueVarchar.get(value.getString());
            default:
                return value;
        }
    }
}
