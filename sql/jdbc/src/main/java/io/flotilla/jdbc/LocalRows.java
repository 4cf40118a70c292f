package io.flotilla.jdbc;

import io.flotilla.protocol.Column;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.RowBatch;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;

/** Builds a result set in the driver, for metadata answers that need no round trip. */
final class LocalRows {
    private final RowBatch.Builder batch = RowBatch.newBuilder().setLast(true);

    static Column column(String name, int jdbcType, String typeName) {
        return Column.newBuilder().setName(name).setLabel(name).setJdbcType(jdbcType).setTypeName(typeName)
                .setNullable(ResultSetMetaData.columnNullable).build();
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

    FlotillaResultSet toResultSet() {
        return FlotillaResultSet.local(batch.build());
    }
}
