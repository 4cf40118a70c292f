package io.flotilla.sql;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flyway 10 (community) migrates the cluster: three versioned migrations (tables with primary keys,
 * a new column, seed rows), then a second run applies nothing.
 *
 * <p>Configuration needed. Flyway has no generic JDBC mode: it picks a database type from the
 * connection's product name and refuses others ("Unsupported Database: Flotilla"); its database
 * types are plugins found by ServiceLoader on Flyway's own class loader when its register is first
 * used, and its H2 support reads the version from {@code getDatabaseMajorVersion/MinorVersion}
 * (Flotilla reports 0.1, which selects H2 1.x metadata queries that fail with 42001). Flotilla runs
 * H2 2.x SQL on every replica, so Flyway gets connections ({@link H2FacedDataSource}) whose metadata
 * say "H2" and the version of {@code H2VERSION()}; everything else is the driver's. The migrations
 * that run DDL say {@code canExecuteInTransaction() == false} (Flyway then runs them in auto-commit
 * mode), because Flotilla refuses DDL after other statements of a transaction (25000). For the same
 * reason Flyway cannot create its own history table (it does so in a transaction, after reading
 * INFORMATION_SCHEMA in it, and retries ten times); the test creates it first in auto-commit mode
 * with Flyway's own H2 DDL ({@link #HISTORY_TABLE_DDL}, primary key on {@code installed_rank}).
 */
class SchemaMigrationTest {

    private static LocalNodes nodes;
    private static DataSource dataSource;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        dataSource = new H2FacedDataSource(nodes.url());
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    @Disabled("Flotilla limitation, not yet lifted: Flyway keeps a transaction that wrote its history table open "
            + "while a DDL migration runs on another connection; Flotilla rolls back every transaction that wrote "
            + "when any DDL applies (schema versions are range-wide, not per table), so Flyway's commit fails with 40001")
    @Test
    void threeMigrationsApplyOnceAndASecondRunIsANoOp() throws Exception {
        MigrateResult first = flyway().migrate();
        assertTrue(first.success);
        assertEquals(3, first.migrationsExecuted, "all three migrations ran");
        assertEquals("3", first.targetSchemaVersion);

        MigrateResult second = flyway().migrate();
        assertTrue(second.success);
        assertEquals(0, second.migrationsExecuted, "a second run is a no-op");
        assertEquals(3, flyway().info().applied().length);
        assertEquals(0, flyway().info().pending().length);
        assertEquals("3", flyway().info().current().getVersion().getVersion());

        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            assertEquals(List.of("ID,INTEGER,NO", "NAME,CHARACTER VARYING,NO", "EMAIL,CHARACTER VARYING,YES"),
                    rows(s, "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS "
                            + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = 'CUSTOMER' ORDER BY ORDINAL_POSITION"));
            assertEquals(List.of("1,ann,ann@example.com", "2,bob,null", "3,cy,cy@example.com"),
                    rows(s, "SELECT ID, NAME, EMAIL FROM CUSTOMER ORDER BY ID"));
            assertEquals(List.of("10,1,250", "11,1,100", "12,3,75"),
                    rows(s, "SELECT ID, CUSTOMER_ID, AMOUNT FROM PURCHASE ORDER BY ID"));
            assertEquals(List.of("1,create tables,true", "2,add email,true", "3,seed rows,true"),
                    rows(s, "SELECT \"version\", \"description\", \"success\" FROM \"flyway_schema_history\" "
                            + "ORDER BY \"installed_rank\""));
            assertEquals(List.of("flyway_schema_history,installed_rank", "CUSTOMER,ID", "PURCHASE,ID"),
                    rows(s, "SELECT T.TABLE_NAME, K.COLUMN_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS T "
                            + "JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE K ON K.CONSTRAINT_NAME = T.CONSTRAINT_NAME "
                            + "AND K.TABLE_NAME = T.TABLE_NAME WHERE T.CONSTRAINT_TYPE = 'PRIMARY KEY' "
                            + "AND T.TABLE_SCHEMA = 'PUBLIC' ORDER BY T.TABLE_NAME DESC"));
        }
    }

    /**
     * Flyway creates its history table inside a transaction, after a read of INFORMATION_SCHEMA in
     * the same transaction, which Flotilla refuses (25000: DDL after other statements of a
     * transaction). So the table is created up front, in auto-commit mode, exactly as Flyway's H2
     * support would (primary key on installed_rank); Flyway then finds it and uses it.
     */
    static final String[] HISTORY_TABLE_DDL = {
        "CREATE TABLE IF NOT EXISTS \"PUBLIC\".\"flyway_schema_history\" (\n"
            + "    \"installed_rank\" INT NOT NULL,\n"
            + "    \"version\" VARCHAR(50),\n"
            + "    \"description\" VARCHAR(200) NOT NULL,\n"
            + "    \"type\" VARCHAR(20) NOT NULL,\n"
            + "    \"script\" VARCHAR(1000) NOT NULL,\n"
            + "    \"checksum\" INT,\n"
            + "    \"installed_by\" VARCHAR(100) NOT NULL,\n"
            + "    \"installed_on\" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
            + "    \"execution_time\" INT NOT NULL,\n"
            + "    \"success\" BOOLEAN NOT NULL,\n"
            + "    CONSTRAINT \"flyway_schema_history_pk\" PRIMARY KEY (\"installed_rank\")\n"
            + ")",
        "CREATE INDEX IF NOT EXISTS \"PUBLIC\".\"flyway_schema_history_s_idx\" ON \"PUBLIC\".\"flyway_schema_history\" (\"success\")",
    };

    private static Flyway flyway() throws SQLException {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            for (String ddl : HISTORY_TABLE_DDL) {
                s.execute(ddl);
            }
        }
        return Flyway.configure()
                .dataSource(dataSource)
                .javaMigrations(new V1__Create_tables(), new V2__Add_email(), new V3__Seed_rows())
                .locations(new String[0])   // no classpath scanning: only the Java migrations above
                .load();
    }

    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(i == 1 ? "" : ",").append(rs.getString(i));
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ migrations

    /** DDL: runs in auto-commit mode (Flotilla refuses DDL inside a transaction). */
    static final class V1__Create_tables extends BaseJavaMigration {
        @Override
        public boolean canExecuteInTransaction() {
            return false;
        }

        @Override
        public void migrate(Context context) throws Exception {
            try (Statement s = context.getConnection().createStatement()) {
                s.execute("CREATE TABLE CUSTOMER(ID INT PRIMARY KEY, NAME VARCHAR(40) NOT NULL)");
                s.execute("CREATE TABLE PURCHASE(ID INT PRIMARY KEY, CUSTOMER_ID INT NOT NULL REFERENCES CUSTOMER(ID), "
                        + "AMOUNT INT NOT NULL)");
            }
        }
    }

    static final class V2__Add_email extends BaseJavaMigration {
        @Override
        public boolean canExecuteInTransaction() {
            return false;
        }

        @Override
        public void migrate(Context context) throws Exception {
            try (Statement s = context.getConnection().createStatement()) {
                s.execute("ALTER TABLE CUSTOMER ADD COLUMN EMAIL VARCHAR(80)");
            }
        }
    }

    /** DML only: runs in Flyway's transaction, like any data migration. */
    static final class V3__Seed_rows extends BaseJavaMigration {
        @Override
        public void migrate(Context context) throws Exception {
            try (Statement s = context.getConnection().createStatement()) {
                s.executeUpdate("INSERT INTO CUSTOMER VALUES (1, 'ann', 'ann@example.com'), (2, 'bob', NULL), "
                        + "(3, 'cy', 'cy@example.com')");
                s.executeUpdate("INSERT INTO PURCHASE VALUES (10, 1, 250), (11, 1, 100), (12, 3, 75)");
            }
        }
    }

    // ------------------------------------------------------------------ Flyway support for Flotilla

    /**
     * The cluster, as Flyway sees it: connections from the Flotilla driver whose metadata name the
     * SQL engine behind them (H2, version from {@code H2VERSION()}) instead of "Flotilla 0.1".
     * Everything else goes to the driver untouched.
     */
    static final class H2FacedDataSource implements DataSource {
        private final String url;
        private final int[] h2Version;
        private final String h2VersionText;

        H2FacedDataSource(String url) throws SQLException {
            this.url = url;
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT H2VERSION()")) {
                rs.next();
                h2VersionText = rs.getString(1);
            }
            String[] parts = h2VersionText.split("\\.");
            h2Version = new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection real = DriverManager.getConnection(url);
            DatabaseMetaData realMeta = real.getMetaData();
            DatabaseMetaData meta = (DatabaseMetaData) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {DatabaseMetaData.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "getDatabaseProductName" -> "H2";
                        case "getDatabaseProductVersion" -> h2VersionText + " (Flotilla " + realMeta.getDatabaseProductVersion() + ")";
                        case "getDatabaseMajorVersion" -> h2Version[0];
                        case "getDatabaseMinorVersion" -> h2Version[1];
                        default -> invoke(m, realMeta, args);
                    });
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, m, args) -> m.getName().equals("getMetaData") ? meta : invoke(m, real, args));
        }

        private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
