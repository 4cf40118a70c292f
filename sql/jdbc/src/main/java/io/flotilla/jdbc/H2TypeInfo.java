package io.flotilla.jdbc;

import io.flotilla.protocol.Column;
import java.sql.Types;
import java.util.HashMap;
import java.util.Map;

/**
 * DatabaseMetaData.getTypeInfo, as H2 2.3.232's driver answers it: H2 2.x has no INFORMATION_SCHEMA
 * table to query for it, and the types are H2's.
 */
final class H2TypeInfo {
    static final Object[][] ROWS = {
            {"TINYINT", -6, 8, null, null, null, 1, false, 3, false, false, true, "TINYINT", 0, 0, null, null, 2},
            {"BIGINT", -5, 64, null, null, null, 1, false, 3, false, false, true, "BIGINT", 0, 0, null, null, 2},
            {"BINARY VARYING", -3, 1000000000, "X'", "'", "LENGTH", 1, false, 3, false, false, false, "BINARY VARYING", 0, 0, null, null, null},
            {"BINARY", -2, 1000000000, "X'", "'", "LENGTH", 1, false, 3, false, false, false, "BINARY", 0, 0, null, null, null},
            {"UUID", -2, 16, "'", "'", null, 1, false, 3, false, false, false, "UUID", 0, 0, null, null, null},
            {"CHARACTER", 1, 1000000000, "'", "'", "LENGTH", 1, true, 3, false, false, false, "CHARACTER", 0, 0, null, null, null},
            {"NUMERIC", 2, 100000, null, null, "PRECISION,SCALE", 1, false, 3, false, true, true, "NUMERIC", 0, 32767, null, null, 10},
            {"DECFLOAT", 2, 100000, null, null, "PRECISION", 1, false, 3, false, false, true, "DECFLOAT", 0, 0, null, null, 10},
            {"INTEGER", 4, 32, null, null, null, 1, false, 3, false, false, true, "INTEGER", 0, 0, null, null, 2},
            {"SMALLINT", 5, 16, null, null, null, 1, false, 3, false, false, true, "SMALLINT", 0, 0, null, null, 2},
            {"REAL", 7, 24, null, null, null, 1, false, 3, false, false, true, "REAL", 0, 0, null, null, 2},
            {"DOUBLE PRECISION", 8, 53, null, null, null, 1, false, 3, false, false, true, "DOUBLE PRECISION", 0, 0, null, null, 2},
            {"CHARACTER VARYING", 12, 1000000000, "'", "'", "LENGTH", 1, true, 3, false, false, false, "CHARACTER VARYING", 0, 0, null, null, null},
            {"VARCHAR_IGNORECASE", 12, 1000000000, "'", "'", "LENGTH", 1, false, 3, false, false, false, "VARCHAR_IGNORECASE", 0, 0, null, null, null},
            {"BOOLEAN", 16, 1, null, null, null, 1, false, 3, false, false, false, "BOOLEAN", 0, 0, null, null, null},
            {"DATE", 91, 10, "DATE '", "'", null, 1, false, 3, false, false, false, "DATE", 0, 0, null, null, null},
            {"TIME", 92, 18, "TIME '", "'", "SCALE", 1, false, 3, false, false, false, "TIME", 0, 9, null, null, null},
            {"TIMESTAMP", 93, 29, "TIMESTAMP '", "'", "SCALE", 1, false, 3, false, false, false, "TIMESTAMP", 0, 9, null, null, null},
            {"INTERVAL YEAR", 1111, 18, "INTERVAL '", "' YEAR", "PRECISION", 1, false, 3, false, false, false, "INTERVAL YEAR", 0, 0, null, null, null},
            {"INTERVAL MONTH", 1111, 18, "INTERVAL '", "' MONTH", "PRECISION", 1, false, 3, false, false, false, "INTERVAL MONTH", 0, 0, null, null, null},
            {"INTERVAL DAY", 1111, 18, "INTERVAL '", "' DAY", "PRECISION", 1, false, 3, false, false, false, "INTERVAL DAY", 0, 0, null, null, null},
            {"INTERVAL HOUR", 1111, 18, "INTERVAL '", "' HOUR", "PRECISION", 1, false, 3, false, false, false, "INTERVAL HOUR", 0, 0, null, null, null},
            {"INTERVAL MINUTE", 1111, 18, "INTERVAL '", "' MINUTE", "PRECISION", 1, false, 3, false, false, false, "INTERVAL MINUTE", 0, 0, null, null, null},
            {"INTERVAL SECOND", 1111, 18, "INTERVAL '", "' SECOND", "PRECISION,SCALE", 1, false, 3, false, false, false, "INTERVAL SECOND", 0, 9, null, null, null},
            {"INTERVAL YEAR TO MONTH", 1111, 18, "INTERVAL '", "' YEAR TO MONTH", "PRECISION", 1, false, 3, false, false, false, "INTERVAL YEAR TO MONTH", 0, 0, null, null, null},
            {"INTERVAL DAY TO HOUR", 1111, 18, "INTERVAL '", "' DAY TO HOUR", "PRECISION", 1, false, 3, false, false, false, "INTERVAL DAY TO HOUR", 0, 0, null, null, null},
            {"INTERVAL DAY TO MINUTE", 1111, 18, "INTERVAL '", "' DAY TO MINUTE", "PRECISION", 1, false, 3, false, false, false, "INTERVAL DAY TO MINUTE", 0, 0, null, null, null},
            {"INTERVAL DAY TO SECOND", 1111, 18, "INTERVAL '", "' DAY TO SECOND", "PRECISION,SCALE", 1, false, 3, false, false, false, "INTERVAL DAY TO SECOND", 0, 9, null, null, null},
            {"INTERVAL HOUR TO MINUTE", 1111, 18, "INTERVAL '", "' HOUR TO MINUTE", "PRECISION", 1, false, 3, false, false, false, "INTERVAL HOUR TO MINUTE", 0, 0, null, null, null},
            {"INTERVAL HOUR TO SECOND", 1111, 18, "INTERVAL '", "' HOUR TO SECOND", "PRECISION,SCALE", 1, false, 3, false, false, false, "INTERVAL HOUR TO SECOND", 0, 9, null, null, null},
            {"INTERVAL MINUTE TO SECOND", 1111, 18, "INTERVAL '", "' MINUTE TO SECOND", "PRECISION,SCALE", 1, false, 3, false, false, false, "INTERVAL MINUTE TO SECOND", 0, 9, null, null, null},
            {"ENUM", 1111, 1000000000, "'", "'", "ELEMENT [,...]", 1, false, 3, false, false, false, "ENUM", 0, 0, null, null, null},
            {"GEOMETRY", 1111, 2147483647, "'", "'", "TYPE,SRID", 1, false, 3, false, false, false, "GEOMETRY", 0, 0, null, null, null},
            {"JSON", 1111, 1000000000, "JSON '", "'", "LENGTH", 1, true, 3, false, false, false, "JSON", 0, 0, null, null, null},
            {"ROW", 1111, 0, "ROW(", ")", "NAME DATA_TYPE [,...]", 1, false, 3, false, false, false, "ROW", 0, 0, null, null, null},
            {"JAVA_OBJECT", 2000, 1000000000, "X'", "'", "LENGTH", 1, false, 3, false, false, false, "JAVA_OBJECT", 0, 0, null, null, null},
            {"ARRAY", 2003, 65536, "ARRAY[", "]", "CARDINALITY", 1, false, 3, false, false, false, "ARRAY", 0, 0, null, null, null},
            {"BINARY LARGE OBJECT", 2004, 2147483647, "X'", "'", "LENGTH", 1, false, 3, false, false, false, "BINARY LARGE OBJECT", 0, 0, null, null, null},
            {"CHARACTER LARGE OBJECT", 2005, 2147483647, "'", "'", "LENGTH", 1, true, 3, false, false, false, "CHARACTER LARGE OBJECT", 0, 0, null, null, null},
            {"TIME WITH TIME ZONE", 2013, 24, "TIME WITH TIME ZONE '", "'", "SCALE", 1, false, 3, false, false, false, "TIME WITH TIME ZONE", 0, 9, null, null, null},
            {"TIMESTAMP WITH TIME ZONE", 2014, 35, "TIMESTAMP WITH TIME ZONE '", "'", "SCALE", 1, false, 3, false, false, false, "TIMESTAMP WITH TIME ZONE", 0, 9, null, null, null},
    };

    private static final Map<String, Integer> JDBC_TYPES = new HashMap<>();
    /** Each java.sql.Types number's first (preferred) H2 type's maximum precision. */
    private static final Map<Integer, Integer> MAXIMUM_PRECISIONS = new HashMap<>();

    static {
        for (Object[] row : ROWS) {
            JDBC_TYPES.putIfAbsent((String) row[0], (Integer) row[1]);
            MAXIMUM_PRECISIONS.putIfAbsent((Integer) row[1], (Integer) row[2]);
        }
    }

    // After ROWS and the maps: each column is described with its type's precision from ROWS.
    static final Column[] COLUMNS = {
            LocalRows.column("TYPE_NAME", 12, "CHARACTER VARYING"),
            LocalRows.column("DATA_TYPE", 4, "INTEGER"),
            LocalRows.column("PRECISION", 4, "INTEGER"),
            LocalRows.column("LITERAL_PREFIX", 12, "CHARACTER VARYING"),
            LocalRows.column("LITERAL_SUFFIX", 12, "CHARACTER VARYING"),
            LocalRows.column("CREATE_PARAMS", 12, "CHARACTER VARYING"),
            LocalRows.column("NULLABLE", 5, "SMALLINT"),
            LocalRows.column("CASE_SENSITIVE", 16, "BOOLEAN"),
            LocalRows.column("SEARCHABLE", 5, "SMALLINT"),
            LocalRows.column("UNSIGNED_ATTRIBUTE", 16, "BOOLEAN"),
            LocalRows.column("FIXED_PREC_SCALE", 16, "BOOLEAN"),
            LocalRows.column("AUTO_INCREMENT", 16, "BOOLEAN"),
            LocalRows.column("LOCAL_TYPE_NAME", 12, "CHARACTER VARYING"),
            LocalRows.column("MINIMUM_SCALE", 5, "SMALLINT"),
            LocalRows.column("MAXIMUM_SCALE", 5, "SMALLINT"),
            LocalRows.column("SQL_DATA_TYPE", 4, "INTEGER"),
            LocalRows.column("SQL_DATETIME_SUB", 4, "INTEGER"),
            LocalRows.column("NUM_PREC_RADIX", 4, "INTEGER"),
    };

    /**
     * The precision H2's driver describes a metadata answer's column of this type with: its
     * type's maximum (the NULL type, of getProcedures' reserved columns, has 1).
     */
    static int maximumPrecision(int jdbcType) {
        return jdbcType == Types.NULL ? 1 : MAXIMUM_PRECISIONS.getOrDefault(jdbcType, 0);
    }

    /** The display size H2 gives a value of the type at its maximum precision (sign and digits for numbers). */
    static int displaySize(int jdbcType) {
        return switch (jdbcType) {
            case Types.NULL -> 4;
            case Types.BOOLEAN -> 5;
            case Types.SMALLINT -> 6;
            case Types.INTEGER -> 11;
            case Types.BIGINT -> 20;
            default -> maximumPrecision(jdbcType);
        };
    }

    /** The class H2's driver names for the types of metadata answers; empty: the driver's default. */
    static String className(int jdbcType) {
        return switch (jdbcType) {
            case Types.NULL -> Void.class.getName();
            case Types.SMALLINT, Types.INTEGER -> Integer.class.getName();
            default -> "";
        };
    }

    private H2TypeInfo() {
    }

    /**
     * H2's declared type name of a column ({@code TypeInfo.getDeclaredTypeName()}, what H2's
     * driver answers as TYPE_NAME) from the columns of INFORMATION_SCHEMA.COLUMNS under {@code c}:
     * the type's full SQL for ENUM, GEOMETRY and ROW, the element type's for an ARRAY, DECIMAL for a
     * NUMERIC declared so, the interval's fields, else the data type.
     */
    static String declaredTypeName(String c) {
        String sql = "DATA_TYPE_SQL(" + c + "TABLE_SCHEMA, " + c + "TABLE_NAME, 'TABLE', " + c + "DTD_IDENTIFIER)";
        return "CASE WHEN " + c + "DATA_TYPE IN ('ENUM', 'GEOMETRY', 'ROW') THEN " + sql
                + " WHEN " + c + "DATA_TYPE = 'ARRAY' THEN REGEXP_REPLACE(" + sql + ", '\\[[0-9]+\\]$', '')"
                + " WHEN " + c + "DATA_TYPE = 'NUMERIC' AND " + c + "DECLARED_DATA_TYPE = 'DECIMAL' THEN 'DECIMAL'"
                + " WHEN " + c + "DATA_TYPE = 'INTERVAL' THEN 'INTERVAL ' || " + c + "INTERVAL_TYPE"
                + " ELSE " + c + "DATA_TYPE END";
    }

    /**
     * The java.sql.Types number H2's driver gives a column ({@code DataType.convertTypeToSQLType}):
     * DECIMAL and FLOAT as declared, else its data type's.
     */
    static String jdbcType(String c) {
        return "CASE WHEN " + c + "DATA_TYPE = 'NUMERIC' AND " + c + "DECLARED_DATA_TYPE = 'DECIMAL' THEN "
                + Types.DECIMAL + " WHEN " + c + "DECLARED_DATA_TYPE = 'FLOAT' THEN " + Types.FLOAT
                + " ELSE " + jdbcTypeCase(c + "DATA_TYPE") + " END";
    }

    /**
     * H2's precision of a column ({@code TypeInfo.getPrecision()}: COLUMN_SIZE and
     * CHAR_OCTET_LENGTH in H2's answers): the length of its text for datetime types (a fraction of
     * a second adds its digits and the point), the leading field's for intervals, the longest
     * value's for ENUM, the 16 bytes of a UUID, the maximum cardinality for arrays.
     */
    static String precision(String c) {
        String fraction = "CASE WHEN " + c + "DATETIME_PRECISION > 0 THEN " + c + "DATETIME_PRECISION + 1 ELSE 0 END";
        return "CAST(LEAST(CASE " + c + "DATA_TYPE WHEN 'BOOLEAN' THEN 1 WHEN 'DATE' THEN 10"
                + " WHEN 'TIME' THEN 8 + " + fraction + " WHEN 'TIME WITH TIME ZONE' THEN 14 + " + fraction
                + " WHEN 'TIMESTAMP' THEN 19 + " + fraction + " WHEN 'TIMESTAMP WITH TIME ZONE' THEN 25 + " + fraction
                + " WHEN 'INTERVAL' THEN " + c + "INTERVAL_PRECISION WHEN 'UUID' THEN 16"
                + " WHEN 'GEOMETRY' THEN 1000000000 WHEN 'ROW' THEN 2147483647"
                + " WHEN 'ENUM' THEN (SELECT MAX(CHAR_LENGTH(E.VALUE_NAME)) FROM INFORMATION_SCHEMA.ENUM_VALUES E"
                + " WHERE E.OBJECT_SCHEMA = " + c + "TABLE_SCHEMA AND E.OBJECT_NAME = " + c + "TABLE_NAME"
                + " AND E.OBJECT_TYPE = 'TABLE' AND E.ENUM_IDENTIFIER = " + c + "DTD_IDENTIFIER)"
                + " ELSE COALESCE(" + c + "CHARACTER_MAXIMUM_LENGTH, " + c + "NUMERIC_PRECISION, "
                + c + "MAXIMUM_CARDINALITY, 0) END, 2147483647) AS INTEGER)";
    }

    /** H2's scale of a column ({@code TypeInfo.getScale()}): 0 for types that have none. */
    static String scale(String c) {
        return "CAST(COALESCE(" + c + "NUMERIC_SCALE, " + c + "DATETIME_PRECISION, 0) AS INTEGER)";
    }

    /**
     * The scale where H2's type has one ({@code DataType.supportsScale}: exact numbers, times and
     * intervals with seconds), else null: DECIMAL_DIGITS of getBestRowIdentifier.
     */
    static String scaleWhereSupported(String c) {
        return "CASE WHEN " + c + "DATA_TYPE IN ('NUMERIC', 'TIME', 'TIME WITH TIME ZONE', 'TIMESTAMP',"
                + " 'TIMESTAMP WITH TIME ZONE') OR " + c + "INTERVAL_TYPE LIKE '%SECOND' THEN CAST("
                + scale(c) + " AS SMALLINT) END";
    }

    /** An SQL CASE turning an H2 data type name column into its java.sql.Types number. */
    static String jdbcTypeCase(String typeNameColumn) {
        StringBuilder sql = new StringBuilder("CASE ").append(typeNameColumn);
        for (Map.Entry<String, Integer> e : JDBC_TYPES.entrySet()) {
            sql.append(" WHEN '").append(e.getKey()).append("' THEN ").append(e.getValue());
        }
        return sql.append(" ELSE ").append(Types.OTHER).append(" END").toString();
    }
}
