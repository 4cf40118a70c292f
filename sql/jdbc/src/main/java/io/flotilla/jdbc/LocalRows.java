package io.flotilla.jdbc;

import io.flotilla.protocol.Column;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.RowBatch;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;

/** Builds a result set in the driver, for metadata answers that need no round trip. */
final class LocalRows {
    private final RowBatch.Builder batch = RowBatch.newBuilder().setLast(true);

    /**
     * A column of a metadata answer, described as H2's driver describes those: named by its label,
     * of no table, nullability unknown, with its type's precision and display size.
     */
    static Column column(String name, int jdbcType, String typeName) {
        return Column.newBuilder().setName(name).setLabel(name).setJdbcType(jdbcType).setTypeName(typeName)
                .setNullable(ResultSetMetaData.columnNullableUnknown).setPrecision(H2TypeInfo.maximumPrecision(jdbcType))
                .setDisplaySize(H2TypeInfo.displaySize(jdbcType)).setClassName(H2TypeInfo.className(jdbcType)).build();
    }

    LocalRows columns(Column... columns) {
        for (Column c : columns) {
            batch.addColumns(c);
        }
        return this;
    }

    LocalRows row(Object... values) throws SQLException {
        Row.Builder row = Row.newBuilder();
        for (Object v : values) {
            row.addValues(ParameterValues.of(v));
        }
        batch.addRows(row);
        return this;
    }

    /** The rows, as a result set of {@code connection} (which names their catalog). */
    FlotillaResultSet toResultSet(FlotillaConnection connection) {
        return FlotillaResultSet.local(batch.build(), connection);
    }
}
