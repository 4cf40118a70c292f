package io.flotilla.jdbc;

import io.flotilla.protocol.GeneratedKeys;
import java.util.Arrays;
import java.util.List;

/** Which generated keys a statement wants back: the table's key columns, or named ones. */
record GeneratedKeyRequest(List<String> columnNames) {
    static final GeneratedKeyRequest DEFAULT = new GeneratedKeyRequest(List.of());

    static GeneratedKeyRequest of(String[] columnNames) {
        return columnNames == null || columnNames.length == 0 ? DEFAULT
                : new GeneratedKeyRequest(List.copyOf(Arrays.asList(columnNames)));
    }

    GeneratedKeys toProtocol() {
        return GeneratedKeys.newBuilder().setWanted(true).addAllColumnNames(columnNames).build();
    }
}
