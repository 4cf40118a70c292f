package io.flotilla.jdbc;

import io.flotilla.protocol.wire.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.RowIdLifetime;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Database metadata. Catalog questions are answered by queries on H2 2.x's INFORMATION_SCHEMA sent
 * through the connection (the node just runs them), renamed to the columns JDBC specifies.
 */
public class FlotillaDatabaseMetaData extends H2DatabaseMetaDataAnswers implements SelfWrapper {
    private static final String NULL_TEXT = "CAST(NULL AS VARCHAR)";
    private static final String NULL_INT = "CAST(NULL AS INTEGER)";
    private static final String NULL_SHORT = "CAST(NULL AS SMALLINT)";
    /** H2's SQLState (and error code) for an invalid argument. */
    private static final String INVALID_VALUE = "90008";

    /**
     * The schema where each replica keeps its own bookkeeping (applied index, sessions, schema
     * versions): not part of the user's schema, so no answer shows it.
     */
    private static final String NODE_SCHEMA = "FLOTILLA";
    /** The hidden row key of a table created without a primary key (the node's ChangeCapture names it). */
    private static final String ROW_KEY_COLUMN = "_FLOTILLA_ROWID_";
    /**
     * Synonyms (S, of INFORMATION_SCHEMA.SYNONYMS) joined to the tables they stand for (T): H2
     * answers a synonym as that table under the synonym's name.
     */
    private static final String SYNONYM_TABLES = "INFORMATION_SCHEMA.SYNONYMS S JOIN INFORMATION_SCHEMA.TABLES T"
            + " ON T.TABLE_SCHEMA = S.SYNONYM_FOR_SCHEMA AND T.TABLE_NAME = S.SYNONYM_FOR";
    /**
     * The visible columns, each with its place among its table's visible ones (VISIBLE_POSITION),
     * which is H2's ORDINAL_POSITION: INFORMATION_SCHEMA counts invisible columns too, and the
     * hidden row key comes before any column added to its table later.
     */
    private static final String VISIBLE_COLUMNS = "(SELECT C.*, ROW_NUMBER() OVER (PARTITION BY C.TABLE_SCHEMA,"
            + " C.TABLE_NAME ORDER BY C.ORDINAL_POSITION) AS VISIBLE_POSITION FROM INFORMATION_SCHEMA.COLUMNS C"
            + " WHERE C.IS_VISIBLE)";
    /** The main schema, which H2 means by an empty schema name. */
    private static final String MAIN_SCHEMA = "PUBLIC";
    /** H2's table types, in the order getTableTypes lists them; getTables accepts these and JDBC's "TABLE". */
    private static final List<String> TABLE_TYPES =
            List.of("BASE TABLE", "GLOBAL TEMPORARY", "LOCAL TEMPORARY", "SYNONYM", "VIEW");

    private final FlotillaConnection connection;
    private String engineVersion;

    FlotillaDatabaseMetaData(FlotillaConnection connection) {
        this.connection = connection;
    }

    // ---------------------------------------------------------------- identity

    @Override
    public String getDatabaseProductName() {
        return connection.productIsH2() ? "H2" : "Flotilla";
    }

    @Override
    public String getDatabaseProductVersion() throws SQLException {
        return connection.productIsH2() ? engineVersion() + " (Flotilla " + FlotillaDriver.VERSION + ")"
                : FlotillaDriver.VERSION;
    }

    @Override
    public int getDatabaseMajorVersion() throws SQLException {
        return connection.productIsH2() ? engineVersionPart(0) : FlotillaDriver.MAJOR_VERSION;
    }

    @Override
    public int getDatabaseMinorVersion() throws SQLException {
        return connection.productIsH2() ? engineVersionPart(1) : FlotillaDriver.MINOR_VERSION;
    }

    /** The version of the H2 engine every replica runs, as {@code H2VERSION()} gives it. */
    private String engineVersion() throws SQLException {
        if (engineVersion == null) {
            try (java.sql.Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT H2VERSION()")) {
                rs.next();
                engineVersion = rs.getString(1);
            }
        }
        return engineVersion;
    }

    private int engineVersionPart(int i) throws SQLException {
        String[] parts = engineVersion().split("\\.");
        try {
            return Integer.parseInt(parts[i]);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new SQLException("unexpected H2 version '" + engineVersion + "'", SqlStates.PROTOCOL_VIOLATION, e);
        }
    }

    @Override
    public String getDriverName() {
        return FlotillaDriver.NAME;
    }

    @Override
    public String getDriverVersion() {
        return FlotillaDriver.VERSION;
    }

    @Override
    public int getDriverMajorVersion() {
        return FlotillaDriver.MAJOR_VERSION;
    }

    @Override
    public int getDriverMinorVersion() {
        return FlotillaDriver.MINOR_VERSION;
    }

    @Override
    public String getURL() {
        return connection.url();
    }

    /** Flotilla has no users yet. */
    @Override
    public String getUserName() {
        return "";
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return connection.isReadOnly();
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    // ---------------------------------------------------------------- where the driver differs from H2's

    /** No CallableStatement. */
    @Override
    public boolean allProceduresAreCallable() {
        return false;
    }

    @Override
    public boolean supportsStoredFunctionsUsingCallSyntax() {
        return false;
    }

    /** The client keeps nothing on disk. */
    @Override
    public boolean usesLocalFiles() {
        return false;
    }

    @Override
    public boolean supportsResultSetType(int type) {
        return type == ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public boolean supportsResultSetConcurrency(int type, int concurrency) {
        return type == ResultSet.TYPE_FORWARD_ONLY && concurrency == ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public boolean supportsResultSetHoldability(int holdability) {
        return holdability == ResultSet.CLOSE_CURSORS_AT_COMMIT;
    }

    @Override
    public boolean supportsTransactionIsolationLevel(int level) {
        return level == Connection.TRANSACTION_READ_UNCOMMITTED || level == Connection.TRANSACTION_READ_COMMITTED
                || level == Connection.TRANSACTION_REPEATABLE_READ || level == Connection.TRANSACTION_SERIALIZABLE;
    }

    /** H2 converts between all its types with CAST. */
    @Override
    public boolean supportsConvert(int fromType, int toType) {
        return true;
    }

    @Override
    public boolean ownUpdatesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean ownDeletesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean ownInsertsAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersUpdatesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersDeletesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersInsertsAreVisible(int type) {
        return false;
    }

    @Override
    public boolean updatesAreDetected(int type) {
        return false;
    }

    @Override
    public boolean deletesAreDetected(int type) {
        return false;
    }

    @Override
    public boolean insertsAreDetected(int type) {
        return false;
    }

    @Override
    public RowIdLifetime getRowIdLifetime() {
        return RowIdLifetime.ROWID_UNSUPPORTED;
    }

    // ---------------------------------------------------------------- catalog queries

    @Override
    public ResultSet getTables(String catalog, String schemaPattern, String tableNamePattern, String[] types)
            throws SQLException {
        Query q = new Query("SELECT TABLE_CATALOG AS TABLE_CAT, TABLE_SCHEMA AS TABLE_SCHEM, TABLE_NAME, TABLE_TYPE,"
                + " REMARKS, " + NULL_TEXT + " AS TYPE_CAT, " + NULL_TEXT + " AS TYPE_SCHEM, " + NULL_TEXT
                + " AS TYPE_NAME, " + NULL_TEXT + " AS SELF_REFERENCING_COL_NAME, " + NULL_TEXT
                + " AS REF_GENERATION FROM (SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, REMARKS"
                + " FROM INFORMATION_SCHEMA.TABLES UNION ALL SELECT S.SYNONYM_CATALOG, S.SYNONYM_SCHEMA, S.SYNONYM_NAME,"
                + " 'SYNONYM', T.REMARKS FROM " + SYNONYM_TABLES + ") T WHERE TRUE");
        q.catalog("TABLE_CATALOG", catalog).schemaLike("TABLE_SCHEMA", schemaPattern)
                .like("TABLE_NAME", tableNamePattern);
        if (types != null) {
            List<String> wanted = new ArrayList<>();
            for (String t : types) {
                // Tools ask for JDBC's "TABLE"; H2 calls it "BASE TABLE" (and accepts both, as written).
                String type = t.equals("TABLE") ? "BASE TABLE" : t;
                if (TABLE_TYPES.contains(type)) {
                    wanted.add(type);
                }
            }
            q.in("TABLE_TYPE", wanted);
        }
        return q.orderBy("TABLE_TYPE, TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME").run();
    }

    @Override
    public ResultSet getTableTypes() throws SQLException {
        LocalRows rows = new LocalRows().columns(LocalRows.column("TABLE_TYPE", Types.VARCHAR, "CHARACTER VARYING"));
        for (String type : TABLE_TYPES) {
            rows.row(type);
        }
        return rows.toResultSet(connection);
    }

    @Override
    public ResultSet getSchemas() throws SQLException {
        return getSchemas(null, null);
    }

    @Override
    public ResultSet getSchemas(String catalog, String schemaPattern) throws SQLException {
        return new Query("SELECT SCHEMA_NAME AS TABLE_SCHEM, CATALOG_NAME AS TABLE_CATALOG"
                + " FROM INFORMATION_SCHEMA.SCHEMATA WHERE TRUE")
                .catalog("CATALOG_NAME", catalog).like("SCHEMA_NAME", schemaPattern).userSchema("SCHEMA_NAME")
                .orderBy("TABLE_CATALOG, TABLE_SCHEM").run();
    }

    @Override
    public ResultSet getCatalogs() throws SQLException {
        return new Query("SELECT CURRENT_CATALOG AS TABLE_CAT").run();
    }

    @Override
    public ResultSet getColumns(String catalog, String schemaPattern, String tableNamePattern,
                                String columnNamePattern) throws SQLException {
        // H2 answers each column's precision as its COLUMN_SIZE and CHAR_OCTET_LENGTH alike.
        // A synonym's columns are its table's (TABLE_SCHEMA, TABLE_NAME) shown under its name (SHOWN_*).
        Query q = new Query("SELECT TABLE_CATALOG AS TABLE_CAT, SHOWN_SCHEMA AS TABLE_SCHEM, SHOWN_NAME AS TABLE_NAME,"
                + " COLUMN_NAME, " + H2TypeInfo.jdbcType("") + " AS DATA_TYPE, " + H2TypeInfo.declaredTypeName("")
                + " AS TYPE_NAME,"
                + " " + H2TypeInfo.precision("") + " AS COLUMN_SIZE,"
                + " " + NULL_INT + " AS BUFFER_LENGTH,"
                + " " + H2TypeInfo.scale("") + " AS DECIMAL_DIGITS,"
                + " CAST(NUMERIC_PRECISION_RADIX AS INTEGER) AS NUM_PREC_RADIX,"
                + " CASE IS_NULLABLE WHEN 'YES' THEN " + columnNullable
                + " ELSE " + columnNoNulls + " END AS NULLABLE,"
                + " REMARKS, COLUMN_DEFAULT AS COLUMN_DEF, " + NULL_INT + " AS SQL_DATA_TYPE, "
                + NULL_INT + " AS SQL_DATETIME_SUB,"
                + " " + H2TypeInfo.precision("") + " AS CHAR_OCTET_LENGTH,"
                + " CAST(VISIBLE_POSITION AS INTEGER) AS ORDINAL_POSITION, IS_NULLABLE,"
                + " " + NULL_TEXT + " AS SCOPE_CATALOG, " + NULL_TEXT + " AS SCOPE_SCHEMA, "
                + NULL_TEXT + " AS SCOPE_TABLE, " + NULL_SHORT + " AS SOURCE_DATA_TYPE,"
                + " CASE WHEN IS_IDENTITY = 'YES' THEN 'YES' ELSE 'NO' END AS IS_AUTOINCREMENT,"
                + " CASE WHEN IS_GENERATED = 'ALWAYS' THEN 'YES' ELSE 'NO' END AS IS_GENERATEDCOLUMN"
                + " FROM (SELECT C.*, C.TABLE_SCHEMA AS SHOWN_SCHEMA, C.TABLE_NAME AS SHOWN_NAME"
                + " FROM " + VISIBLE_COLUMNS + " C UNION ALL SELECT C.*, S.SYNONYM_SCHEMA, S.SYNONYM_NAME"
                + " FROM INFORMATION_SCHEMA.SYNONYMS S JOIN " + VISIBLE_COLUMNS + " C"
                + " ON C.TABLE_SCHEMA = S.SYNONYM_FOR_SCHEMA AND C.TABLE_NAME = S.SYNONYM_FOR) C WHERE TRUE");
        q.catalog("TABLE_CATALOG", catalog).schemaLike("SHOWN_SCHEMA", schemaPattern)
                .like("SHOWN_NAME", tableNamePattern).like("COLUMN_NAME", columnNamePattern);
        return q.orderBy("TABLE_CATALOG, SHOWN_SCHEMA, SHOWN_NAME, VISIBLE_POSITION").run();
    }

    /**
     * The key or index column {@code alias} names is visible: a table created without a primary
     * key has a hidden row key as its primary key (an invisible column, the node's own), which the
     * schema the user wrote does not have and tools must not show.
     */
    private static String visible(String alias) {
        return "NOT EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS V WHERE V.TABLE_SCHEMA = " + alias
                + ".TABLE_SCHEMA AND V.TABLE_NAME = " + alias + ".TABLE_NAME AND V.COLUMN_NAME = " + alias
                + ".COLUMN_NAME AND NOT V.IS_VISIBLE)";
    }

    @Override
    public ResultSet getPrimaryKeys(String catalog, String schema, String table) throws SQLException {
        requireName("table", table);
        Query q = new Query("SELECT K.TABLE_CATALOG AS TABLE_CAT, K.TABLE_SCHEMA AS TABLE_SCHEM, K.TABLE_NAME,"
                + " K.COLUMN_NAME, CAST(K.ORDINAL_POSITION AS SMALLINT) AS KEY_SEQ, C.CONSTRAINT_NAME AS PK_NAME"
                + " FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS C JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE K"
                + " ON K.CONSTRAINT_CATALOG = C.CONSTRAINT_CATALOG AND K.CONSTRAINT_SCHEMA = C.CONSTRAINT_SCHEMA"
                + " AND K.CONSTRAINT_NAME = C.CONSTRAINT_NAME WHERE C.CONSTRAINT_TYPE = 'PRIMARY KEY'"
                + " AND " + visible("K"));
        q.catalog("K.TABLE_CATALOG", catalog).schema("K.TABLE_SCHEMA", schema).equal("K.TABLE_NAME", table);
        return q.orderBy("COLUMN_NAME").run();
    }

    @Override
    public ResultSet getIndexInfo(String catalog, String schema, String table, boolean unique, boolean approximate)
            throws SQLException {
        requireName("table", table);
        Query q = new Query("SELECT C.TABLE_CATALOG AS TABLE_CAT, C.TABLE_SCHEMA AS TABLE_SCHEM, C.TABLE_NAME,"
                + " NOT C.IS_UNIQUE AS NON_UNIQUE, C.INDEX_CATALOG AS INDEX_QUALIFIER, C.INDEX_NAME,"
                + " CAST(" + tableIndexOther + " AS SMALLINT) AS TYPE,"
                + " CAST(C.ORDINAL_POSITION AS SMALLINT) AS ORDINAL_POSITION, C.COLUMN_NAME,"
                + " CASE C.ORDERING_SPECIFICATION WHEN 'DESC' THEN 'D' ELSE 'A' END AS ASC_OR_DESC,"
                + " T.ROW_COUNT_ESTIMATE AS CARDINALITY, CAST(0 AS BIGINT) AS PAGES, " + NULL_TEXT
                + " AS FILTER_CONDITION FROM INFORMATION_SCHEMA.INDEX_COLUMNS C JOIN INFORMATION_SCHEMA.TABLES T"
                + " ON T.TABLE_SCHEMA = C.TABLE_SCHEMA AND T.TABLE_NAME = C.TABLE_NAME WHERE " + visible("C"));
        q.catalog("C.TABLE_CATALOG", catalog).schema("C.TABLE_SCHEMA", schema).equal("C.TABLE_NAME", table);
        if (unique) {
            q.where("C.IS_UNIQUE");
        }
        return q.orderBy("NON_UNIQUE, TYPE, INDEX_NAME, ORDINAL_POSITION").run();
    }

    @Override
    public ResultSet getImportedKeys(String catalog, String schema, String table) throws SQLException {
        requireName("table", table);
        Query q = foreignKeys();
        q.catalog("FK.TABLE_CATALOG", catalog).schema("FK.TABLE_SCHEMA", schema).equal("FK.TABLE_NAME", table);
        return q.orderBy("PKTABLE_CAT, PKTABLE_SCHEM, PKTABLE_NAME, KEY_SEQ").run();
    }

    @Override
    public ResultSet getExportedKeys(String catalog, String schema, String table) throws SQLException {
        requireName("table", table);
        Query q = foreignKeys();
        q.catalog("PK.TABLE_CATALOG", catalog).schema("PK.TABLE_SCHEMA", schema).equal("PK.TABLE_NAME", table);
        return q.orderBy("FKTABLE_CAT, FKTABLE_SCHEM, FKTABLE_NAME, KEY_SEQ").run();
    }

    @Override
    public ResultSet getCrossReference(String parentCatalog, String parentSchema, String parentTable,
                                       String foreignCatalog, String foreignSchema, String foreignTable)
            throws SQLException {
        requireName("primaryTable", parentTable);
        requireName("foreignTable", foreignTable);
        Query q = foreignKeys();
        q.catalog("PK.TABLE_CATALOG", parentCatalog).schema("PK.TABLE_SCHEMA", parentSchema)
                .equal("PK.TABLE_NAME", parentTable).catalog("FK.TABLE_CATALOG", foreignCatalog)
                .schema("FK.TABLE_SCHEMA", foreignSchema).equal("FK.TABLE_NAME", foreignTable);
        return q.orderBy("FKTABLE_CAT, FKTABLE_SCHEM, FKTABLE_NAME, KEY_SEQ").run();
    }

    /** Foreign key columns joined to the unique key columns they reference, position by position. */
    private Query foreignKeys() {
        return new Query("SELECT PK.TABLE_CATALOG AS PKTABLE_CAT, PK.TABLE_SCHEMA AS PKTABLE_SCHEM,"
                + " PK.TABLE_NAME AS PKTABLE_NAME, PK.COLUMN_NAME AS PKCOLUMN_NAME,"
                + " FK.TABLE_CATALOG AS FKTABLE_CAT, FK.TABLE_SCHEMA AS FKTABLE_SCHEM,"
                + " FK.TABLE_NAME AS FKTABLE_NAME, FK.COLUMN_NAME AS FKCOLUMN_NAME,"
                + " CAST(FK.ORDINAL_POSITION AS SMALLINT) AS KEY_SEQ,"
                + " CAST(" + ruleCase("R.UPDATE_RULE") + " AS SMALLINT) AS UPDATE_RULE,"
                + " CAST(" + ruleCase("R.DELETE_RULE") + " AS SMALLINT) AS DELETE_RULE,"
                + " R.CONSTRAINT_NAME AS FK_NAME, R.UNIQUE_CONSTRAINT_NAME AS PK_NAME,"
                + " CAST(" + importedKeyNotDeferrable + " AS SMALLINT) AS DEFERRABILITY"
                + " FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS R"
                + " JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE FK ON FK.CONSTRAINT_CATALOG = R.CONSTRAINT_CATALOG"
                + " AND FK.CONSTRAINT_SCHEMA = R.CONSTRAINT_SCHEMA AND FK.CONSTRAINT_NAME = R.CONSTRAINT_NAME"
                + " JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE PK ON PK.CONSTRAINT_CATALOG = R.UNIQUE_CONSTRAINT_CATALOG"
                + " AND PK.CONSTRAINT_SCHEMA = R.UNIQUE_CONSTRAINT_SCHEMA"
                + " AND PK.CONSTRAINT_NAME = R.UNIQUE_CONSTRAINT_NAME"
                + " AND PK.ORDINAL_POSITION = FK.POSITION_IN_UNIQUE_CONSTRAINT WHERE TRUE");
    }

    /** H2 refuses a null where JDBC asks for a name, not a pattern (and would otherwise answer for every table). */
    private static void requireName(String parameter, String value) throws SQLException {
        if (value == null) {
            throw new SQLException("Invalid value \"null\" for parameter \"" + parameter + "\"", INVALID_VALUE, 90008);
        }
    }

    private static String ruleCase(String column) {
        return "CASE " + column
                + " WHEN 'CASCADE' THEN " + importedKeyCascade
                + " WHEN 'RESTRICT' THEN " + importedKeyRestrict
                + " WHEN 'SET NULL' THEN " + importedKeySetNull
                + " WHEN 'SET DEFAULT' THEN " + importedKeySetDefault
                + " ELSE " + importedKeyNoAction + " END";
    }

    @Override
    public ResultSet getTypeInfo() throws SQLException {
        LocalRows rows = new LocalRows().columns(H2TypeInfo.COLUMNS);
        for (Object[] row : H2TypeInfo.ROWS) {
            rows.row(row);
        }
        return rows.toResultSet(connection);
    }

    // ---------------------------------------------------------------- empty answers, with JDBC's columns

    @Override
    public ResultSet getProcedures(String catalog, String schemaPattern, String procedureNamePattern)
            throws SQLException {
        return empty("PROCEDURE_CAT", "PROCEDURE_SCHEM", "PROCEDURE_NAME", "RESERVED1:NULL", "RESERVED2:NULL",
                "RESERVED3:NULL", "REMARKS", "PROCEDURE_TYPE:SMALLINT", "SPECIFIC_NAME");
    }

    @Override
    public ResultSet getProcedureColumns(String catalog, String schemaPattern, String procedureNamePattern,
                                         String columnNamePattern) throws SQLException {
        return empty("PROCEDURE_CAT", "PROCEDURE_SCHEM", "PROCEDURE_NAME", "COLUMN_NAME", "COLUMN_TYPE:SMALLINT",
                "DATA_TYPE:INTEGER", "TYPE_NAME", "PRECISION:INTEGER", "LENGTH:INTEGER", "SCALE:SMALLINT",
                "RADIX:SMALLINT", "NULLABLE:SMALLINT", "REMARKS", "COLUMN_DEF", "SQL_DATA_TYPE:INTEGER",
                "SQL_DATETIME_SUB:INTEGER", "CHAR_OCTET_LENGTH:INTEGER", "ORDINAL_POSITION:INTEGER", "IS_NULLABLE",
                "SPECIFIC_NAME");
    }

    /** The rights granted on the table, on each of its columns (never the hidden row key). */
    @Override
    public ResultSet getColumnPrivileges(String catalog, String schema, String table, String columnNamePattern)
            throws SQLException {
        requireName("table", table);
        Query q = new Query("SELECT TABLE_CATALOG AS TABLE_CAT, TABLE_SCHEMA AS TABLE_SCHEM, TABLE_NAME, COLUMN_NAME,"
                + " GRANTOR, GRANTEE, PRIVILEGE_TYPE AS PRIVILEGE, IS_GRANTABLE FROM INFORMATION_SCHEMA.COLUMN_PRIVILEGES"
                + " WHERE COLUMN_NAME <> '" + ROW_KEY_COLUMN + "'");
        q.catalog("TABLE_CATALOG", catalog).schema("TABLE_SCHEMA", schema).equal("TABLE_NAME", table)
                .like("COLUMN_NAME", columnNamePattern);
        return q.orderBy("COLUMN_NAME, PRIVILEGE").run();
    }

    @Override
    public ResultSet getTablePrivileges(String catalog, String schemaPattern, String tableNamePattern)
            throws SQLException {
        Query q = new Query("SELECT TABLE_CATALOG AS TABLE_CAT, TABLE_SCHEMA AS TABLE_SCHEM, TABLE_NAME, GRANTOR,"
                + " GRANTEE, PRIVILEGE_TYPE AS PRIVILEGE, IS_GRANTABLE FROM INFORMATION_SCHEMA.TABLE_PRIVILEGES WHERE TRUE");
        q.catalog("TABLE_CATALOG", catalog).schemaLike("TABLE_SCHEMA", schemaPattern).like("TABLE_NAME", tableNamePattern);
        return q.orderBy("TABLE_SCHEM, TABLE_NAME, PRIVILEGE").run();
    }

    /** As H2: the primary key's columns, whatever the scope and nullability asked for. */
    @Override
    public ResultSet getBestRowIdentifier(String catalog, String schema, String table, int scope, boolean nullable)
            throws SQLException {
        requireName("table", table);
        Query q = new Query("SELECT CAST(" + bestRowSession + " AS SMALLINT) AS SCOPE,"
                + " C.COLUMN_NAME, " + H2TypeInfo.jdbcType("C.") + " AS DATA_TYPE,"
                + " " + H2TypeInfo.declaredTypeName("C.") + " AS TYPE_NAME, " + H2TypeInfo.precision("C.")
                + " AS COLUMN_SIZE, " + NULL_INT + " AS BUFFER_LENGTH, " + H2TypeInfo.scaleWhereSupported("C.")
                + " AS DECIMAL_DIGITS, CAST(" + bestRowNotPseudo + " AS SMALLINT) AS PSEUDO_COLUMN"
                + " FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS T JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE K"
                + " ON K.CONSTRAINT_SCHEMA = T.CONSTRAINT_SCHEMA AND K.CONSTRAINT_NAME = T.CONSTRAINT_NAME"
                + " JOIN INFORMATION_SCHEMA.COLUMNS C ON C.TABLE_SCHEMA = K.TABLE_SCHEMA"
                + " AND C.TABLE_NAME = K.TABLE_NAME AND C.COLUMN_NAME = K.COLUMN_NAME"
                + " WHERE T.CONSTRAINT_TYPE = 'PRIMARY KEY' AND C.IS_VISIBLE");
        q.catalog("K.TABLE_CATALOG", catalog).schema("K.TABLE_SCHEMA", schema).equal("K.TABLE_NAME", table);
        return q.orderBy("K.TABLE_SCHEMA, K.ORDINAL_POSITION").run();
    }

    @Override
    public ResultSet getVersionColumns(String catalog, String schema, String table) throws SQLException {
        return empty("SCOPE:SMALLINT", "COLUMN_NAME", "DATA_TYPE:INTEGER", "TYPE_NAME", "COLUMN_SIZE:INTEGER",
                "BUFFER_LENGTH:INTEGER", "DECIMAL_DIGITS:SMALLINT", "PSEUDO_COLUMN:SMALLINT");
    }

    @Override
    public ResultSet getUDTs(String catalog, String schemaPattern, String typeNamePattern, int[] types)
            throws SQLException {
        return empty("TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME", "CLASS_NAME", "DATA_TYPE:INTEGER", "REMARKS",
                "BASE_TYPE:SMALLINT");
    }

    @Override
    public ResultSet getSuperTypes(String catalog, String schemaPattern, String typeNamePattern) throws SQLException {
        return empty("TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME", "SUPERTYPE_CAT", "SUPERTYPE_SCHEM", "SUPERTYPE_NAME");
    }

    @Override
    public ResultSet getSuperTables(String catalog, String schemaPattern, String tableNamePattern)
            throws SQLException {
        return empty("TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "SUPERTABLE_NAME");
    }

    @Override
    public ResultSet getAttributes(String catalog, String schemaPattern, String typeNamePattern,
                                   String attributeNamePattern) throws SQLException {
        return empty("TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME", "ATTR_NAME", "DATA_TYPE:INTEGER", "ATTR_TYPE_NAME",
                "ATTR_SIZE:INTEGER", "DECIMAL_DIGITS:INTEGER", "NUM_PREC_RADIX:INTEGER", "NULLABLE:INTEGER",
                "REMARKS", "ATTR_DEF", "SQL_DATA_TYPE:INTEGER", "SQL_DATETIME_SUB:INTEGER",
                "CHAR_OCTET_LENGTH:INTEGER", "ORDINAL_POSITION:INTEGER", "IS_NULLABLE", "SCOPE_CATALOG",
                "SCOPE_SCHEMA", "SCOPE_TABLE", "SOURCE_DATA_TYPE:SMALLINT");
    }

    @Override
    /**
     * The one client info property the driver acts on (H2's lists its own clustering's
     * {@code numServers} instead): the session's LSN token, {@code <range>:<index>}, two longs.
     */
    public ResultSet getClientInfoProperties() throws SQLException {
        return new LocalRows().columns(LocalRows.column("NAME", Types.VARCHAR, "CHARACTER VARYING"),
                        LocalRows.column("MAX_LEN", Types.INTEGER, "INTEGER"),
                        LocalRows.column("DEFAULT_VALUE", Types.VARCHAR, "CHARACTER VARYING"),
                        LocalRows.column("DESCRIPTION", Types.VARCHAR, "CHARACTER VARYING"))
                .row(FlotillaConnection.LSN_CLIENT_INFO, 2 * String.valueOf(Long.MIN_VALUE).length() + 1, null,
                        "the session's LSN token after a commit; another session's, given, makes reads see its writes")
                .toResultSet(connection);
    }

    @Override
    public ResultSet getFunctions(String catalog, String schemaPattern, String functionNamePattern)
            throws SQLException {
        return empty("FUNCTION_CAT", "FUNCTION_SCHEM", "FUNCTION_NAME", "REMARKS", "FUNCTION_TYPE:SMALLINT",
                "SPECIFIC_NAME");
    }

    @Override
    public ResultSet getFunctionColumns(String catalog, String schemaPattern, String functionNamePattern,
                                        String columnNamePattern) throws SQLException {
        return empty("FUNCTION_CAT", "FUNCTION_SCHEM", "FUNCTION_NAME", "COLUMN_NAME", "COLUMN_TYPE:SMALLINT",
                "DATA_TYPE:INTEGER", "TYPE_NAME", "PRECISION:INTEGER", "LENGTH:INTEGER", "SCALE:SMALLINT",
                "RADIX:SMALLINT", "NULLABLE:SMALLINT", "REMARKS", "CHAR_OCTET_LENGTH:INTEGER",
                "ORDINAL_POSITION:INTEGER", "IS_NULLABLE", "SPECIFIC_NAME");
    }

    /**
     * As H2: every table's {@code _ROWID_} (a BIGINT; on a table created without a primary key it
     * is the hidden row key under H2's name for it), and the invisible columns the user declared.
     */
    @Override
    public ResultSet getPseudoColumns(String catalog, String schemaPattern, String tableNamePattern,
                                      String columnNamePattern) throws SQLException {
        String rowId = "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, '_ROWID_' AS COLUMN_NAME, "
                + Types.BIGINT + " AS DATA_TYPE, 64 AS COLUMN_SIZE, 0 AS DECIMAL_DIGITS, 2 AS NUM_PREC_RADIX,"
                + " " + NULL_TEXT + " AS REMARKS, 64 AS CHAR_OCTET_LENGTH, 'NO' AS IS_NULLABLE"
                + " FROM (SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES"
                + " UNION ALL SELECT S.SYNONYM_CATALOG, S.SYNONYM_SCHEMA, S.SYNONYM_NAME, T.TABLE_TYPE FROM "
                + SYNONYM_TABLES + ") T WHERE TABLE_TYPE IN ('BASE TABLE', 'GLOBAL TEMPORARY', 'LOCAL TEMPORARY')"
                + " AND TABLE_SCHEMA <> 'INFORMATION_SCHEMA'";
        String invisible = "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, " + H2TypeInfo.jdbcType("")
                + ", " + H2TypeInfo.precision("") + ", " + H2TypeInfo.scale("") + ","
                + " CAST(NUMERIC_PRECISION_RADIX AS INTEGER), REMARKS, " + H2TypeInfo.precision("") + ", IS_NULLABLE"
                + " FROM INFORMATION_SCHEMA.COLUMNS WHERE NOT IS_VISIBLE AND COLUMN_NAME <> '" + ROW_KEY_COLUMN + "'";
        Query q = new Query("SELECT TABLE_CATALOG AS TABLE_CAT, TABLE_SCHEMA AS TABLE_SCHEM, TABLE_NAME, COLUMN_NAME,"
                + " CAST(DATA_TYPE AS INTEGER) AS DATA_TYPE, CAST(COLUMN_SIZE AS INTEGER) AS COLUMN_SIZE,"
                + " CAST(DECIMAL_DIGITS AS INTEGER) AS DECIMAL_DIGITS, CAST(NUM_PREC_RADIX AS INTEGER) AS NUM_PREC_RADIX,"
                + " 'NO_USAGE_RESTRICTIONS' AS COLUMN_USAGE, REMARKS,"
                + " CAST(CHAR_OCTET_LENGTH AS INTEGER) AS CHAR_OCTET_LENGTH, IS_NULLABLE"
                + " FROM (" + rowId + " UNION ALL " + invisible + ") P WHERE TRUE");
        q.catalog("TABLE_CATALOG", catalog).schemaLike("TABLE_SCHEMA", schemaPattern)
                .like("TABLE_NAME", tableNamePattern).like("COLUMN_NAME", columnNamePattern);
        return q.orderBy("TABLE_SCHEM, TABLE_NAME, COLUMN_NAME").run();
    }

    /** An empty result with the given columns; "NAME:TYPE" for non-text ones (SMALLINT, INTEGER, NULL). */
    private ResultSet empty(String... columns) {
        LocalRows rows = new LocalRows();
        for (String c : columns) {
            int colon = c.indexOf(':');
            if (colon < 0) {
                rows.columns(LocalRows.column(c, Types.VARCHAR, "CHARACTER VARYING"));
            } else {
                String type = c.substring(colon + 1);
                int jdbc = switch (type) {
                    case "SMALLINT" -> Types.SMALLINT;
                    case "NULL" -> Types.NULL;
                    default -> Types.INTEGER;
                };
                rows.columns(LocalRows.column(c.substring(0, colon), jdbc, type));
            }
        }
        return rows.toResultSet(connection);
    }



    /**
     * A metadata query with its bound parameters. JDBC's conventions: a null argument does not
     * filter; a pattern is matched with LIKE and '\' as the escape.
     */
    private final class Query {
        private final StringBuilder sql;
        private final List<String> parameters = new ArrayList<>();

        Query(String select) {
            this.sql = new StringBuilder(select);
        }

        Query equal(String column, String value) {
            if (value != null) {
                sql.append(" AND ").append(column).append(" = ?");
                parameters.add(value);
            }
            return this;
        }

        /** H2 takes an empty catalog name as no catalog given. */
        Query catalog(String column, String name) {
            return name == null || name.isEmpty() ? this : equal(column, name);
        }

        /** A schema name; H2 takes the empty one for the main schema. The node's own is never shown. */
        Query schema(String column, String name) {
            return userSchema(column).equal(column, name != null && name.isEmpty() ? MAIN_SCHEMA : name);
        }

        Query schemaLike(String column, String pattern) {
            return pattern != null && pattern.isEmpty() ? schema(column, pattern) : userSchema(column).like(column, pattern);
        }

        Query userSchema(String column) {
            sql.append(" AND ").append(column).append(" <> '").append(NODE_SCHEMA).append('\'');
            return this;
        }

        Query like(String column, String pattern) {
            if (pattern != null && !pattern.equals("%")) {
                sql.append(" AND ").append(column).append(" LIKE ? ESCAPE '\\'");
                parameters.add(pattern);
            }
            return this;
        }

        Query in(String column, List<String> values) {
            sql.append(" AND ").append(column).append(" IN (");
            for (int i = 0; i < values.size(); i++) {
                sql.append(i == 0 ? "?" : ", ?");
                parameters.add(values.get(i));
            }
            if (values.isEmpty()) {
                sql.append("NULL");
            }
            sql.append(')');
            return this;
        }

        Query where(String condition) {
            sql.append(" AND ").append(condition);
            return this;
        }

        Query orderBy(String columns) {
            sql.append(" ORDER BY ").append(columns);
            return this;
        }

        /** The statement closes with its result set: the caller owns only the result set. */
        ResultSet run() throws SQLException {
            PreparedStatement ps = connection.prepareStatement(sql.toString());
            try {
                for (int i = 0; i < parameters.size(); i++) {
                    ps.setString(i + 1, parameters.get(i));
                }
                ps.closeOnCompletion();
                // Described as H2 describes its answers, not as the INFORMATION_SCHEMA columns they come from.
                return ((FlotillaResultSet) ps.executeQuery()).describedAs(
                        c -> LocalRows.column(FlotillaResultSet.labelOf(c), c.getJdbcType(), c.getTypeName()));
            } catch (SQLException e) {
                ps.close();
                throw e;
            }
        }
    }
}
