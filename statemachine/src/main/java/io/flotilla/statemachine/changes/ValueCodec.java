package io.flotilla.statemachine.changes;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import org.h2.engine.Database;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.db.RowDataType;
import org.h2.mvstore.db.ValueDataType;
import org.h2.result.SearchRow;
import org.h2.table.Table;
import org.h2.value.Value;
import org.h2.value.ValueArray;
import org.h2.value.ValueBlob;
import org.h2.value.ValueClob;
import org.h2.value.ValueLob;
import org.h2.value.ValueRow;
import org.h2.value.lob.LobDataInMemory;

/**
 * The encoding of one column value in a row image: H2's own storage encoding
 * ({@link ValueDataType}), the format MVStore writes table rows to disk with. It is lossless for
 * every H2 data type by construction (H2 reads its tables back from it): DECIMAL keeps unscaled
 * value and scale, DOUBLE/REAL keep their bit patterns (NaN, -0.0), date-time values are stored as
 * date value + nanos (+ offset), never through java.util time zones, so TIMESTAMPs in a DST gap of
 * any JVM zone survive.
 *
 * <p>Two adjustments make the bytes self-contained on another replica:
 * <ul>
 *   <li>LOBs are inlined: a BLOB/CLOB stored in the leader's LOB storage is written as H2's
 *       "small in-memory LOB" form with its full content, never as a reference to the leader's
 *       storage. The follower's {@code Table#addRow} moves large ones into its own LOB storage.
 *       The content counts toward the change set's size limit, and the limit is checked with the
 *       LOB's length before its content is read.</li>
 *   <li>Decoding uses the target column's type (as H2 does when reading a row), because the
 *       storage encoding leaves some type information to the column: ENUM is stored as its
 *       ordinal, and ARRAY/ROW elements are typed by the column.</li>
 * </ul>
 */
final class ValueCodec {

    /** Writing needs no database: only reading ENUM/ARRAY/ROW values needs the column's type. */
    private static final ValueDataType WRITER = new ValueDataType();

    private ValueCodec() {
    }

    /**
     * Encodes one value, inlining LOB content.
     *
     * @param budget checked with each LOB's length before its content is read; null for no limit
     */
    static byte[] encode(Value value, ChangeSetBudget budget) throws SQLException {
        Value inlined = inline(value, budget);
        // One buffer per thread: H2's WriteBuffer grows by at least 1 MiB at a time, so a fresh
        // buffer per value would allocate (and zero) a megabyte for every string of a dozen chars.
        WriteBuffer buffer = BUFFER.get();
        buffer.clear();
        WRITER.write(buffer, inlined);
        ByteBuffer bytes = buffer.getBuffer();
        bytes.flip();
        byte[] result = new byte[bytes.remaining()];
        bytes.get(result);
        if (buffer.capacity() > MAX_KEPT_BUFFER) {
            BUFFER.remove();
        }
        return result;
    }

    private static final int MAX_KEPT_BUFFER = 4 << 20;
    private static final ThreadLocal<WriteBuffer> BUFFER = ThreadLocal.withInitial(() -> new WriteBuffer(1 << 16));

    /** An upper bound of the encoded length of a value that does not read LOB content. */
    static long encodedLengthBound(Value value) throws SQLException {
        if (value instanceof ValueLob) {
            // tag + length varint + content + char-length varlong
            return 1 + 5 + ((ValueLob) value).octetLength() + 10;
        }
        if (value instanceof ValueArray || value instanceof ValueRow) {
            long total = 1 + 5;
            for (Value element : ((org.h2.value.ValueCollectionBase) value).getList()) {
                total += encodedLengthBound(element);
            }
            return total;
        }
        int type = value.getValueType();
        if (type == Value.VARCHAR || type == Value.CHAR || type == Value.VARCHAR_IGNORECASE) {
            // Tag, length varint, and at most 3 bytes of modified UTF-8 per char: no need to encode.
            return 1 + 5 + 3L * value.getString().length();
        }
        return encode(value, null).length;
    }

    private static Value inline(Value value, ChangeSetBudget budget) throws SQLException {
        switch (value.getValueType()) {
        case Value.BLOB: {
            ValueBlob blob = (ValueBlob) value;
            if (blob.getLobData() instanceof LobDataInMemory) {
                return blob;
            }
            if (budget != null) {
                budget.checkRoomFor(blob.octetLength());
            }
            return ValueBlob.createSmall(blob.getBytesNoCopy());
        }
        case Value.CLOB: {
            ValueClob clob = (ValueClob) value;
            if (clob.getLobData() instanceof LobDataInMemory) {
                return clob;
            }
            if (budget != null) {
                budget.checkRoomFor(clob.octetLength());
            }
            return ValueClob.createSmall(clob.getBytesNoCopy(), clob.charLength());
        }
        case Value.ARRAY: {
            ValueArray array = (ValueArray) value;
            Value[] elements = array.getList();
            Value[] inlined = inlineAll(elements, budget);
            return inlined == elements ? array : ValueArray.get(array.getComponentType(), inlined, null);
        }
        case Value.ROW: {
            ValueRow row = (ValueRow) value;
            Value[] fields = row.getList();
            Value[] inlined = inlineAll(fields, budget);
            return inlined == fields ? row : ValueRow.get(row.getType(), inlined);
        }
        default:
            return value;
        }
    }

    private static Value[] inlineAll(Value[] values, ChangeSetBudget budget) throws SQLException {
        Value[] copy = null;
        for (int i = 0; i < values.length; i++) {
            Value inlined = inline(values[i], budget);
            if (inlined != values[i]) {
                if (copy == null) {
                    copy = values.clone();
                }
                copy[i] = inlined;
            }
        }
        return copy == null ? values : copy;
    }

    /** Decodes the values of one table's columns, each with its column's type. */
    static final class ColumnDecoder {

        private final Table table;
        private final Database database;
        private final RowDataType[] readers;

        ColumnDecoder(Table table) {
            this.table = table;
            this.database = table.getDatabase();
            this.readers = new RowDataType[table.getColumns().length];
        }

        int columnCount() {
            return readers.length;
        }

        Value decode(int column, byte[] bytes) {
            RowDataType reader = readers[column];
            if (reader == null) {
                // A row reader restricted to this one column: it reads the value with the column's
                // TypeInfo from the table's row factory, exactly as H2 reads a stored row.
                reader = new RowDataType(database, database.getCompareMode(), database, new int[] {0},
                        new int[] {column}, readers.length, false);
                reader.setRowFactory(table.getRowFactory());
                readers[column] = reader;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            SearchRow row = reader.read(buffer);
            if (buffer.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after the value of column "
                        + table.getColumn(column).getName() + " of " + ReservedNames.qualified(table));
            }
            return row.getValue(column);
        }
    }
}
