package io.flotilla.sql;

import io.flotilla.jdbc.FlotillaDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flyway 10 (community) migrates the cluster: three versioned migrations (tables with primary keys,
 * a new column, seed rows), then a second run applies nothing, and validation passes (and fails for
 * an application that lacks a migration the cluster has applied).
 *
 * <p>One setting: Flyway has no generic JDBC mode; it picks a database type from the product name
 * and refuses others ("Unsupported Database: Flotilla"). With {@code productName=H2} in the URL the
 * driver's metadata name H2 and the version of the H2 engine the replicas run, and Flyway uses its
 * H2 support.
 *
 * <p>Nothing else is adapted: Flyway creates its own history table and runs every migration in its
 * default transaction. That relies on two things Flotilla does as H2 does: DDL commits the open
 * transaction first, and a schema change ends only the transactions that touched what it changed
 * (Flyway's transaction on its history table stays open while a migration creates tables).
 */
class SchemaMigrationTest {

    private static LocalNodes nodes;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        url = nodes.url() + (nodes.url().contains("?") ? "&" : "?") + "productName=H2";
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

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

        // Validation compares the history table with the migrations the application has.
        ValidateResult valid = flyway().validateWithResult();
        assertTrue(valid.validationSuccessful, valid.getAllErrorMessages());
        // An application that lost V2 (a removed latest migration would count as "future", which passes).
        ValidateResult withoutTheSecond = Flyway.configure()
                .dataSource(new FlotillaDataSource(url))
                .javaMigrations(new V1__Create_tables(), new V3__Seed_rows())
                .locations(new String[0])
                .load()
                .validateWithResult();
        assertFalse(withoutTheSecond.validationSuccessful, "an applied migration the application lacks fails validation");
        assertTrue(withoutTheSecond.getAllErrorMessages().contains("not resolved locally"),
                withoutTheSecond.getAllErrorMessages());

        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            assertEquals(List.of("ID,INTEGER,NO", "NAME,CHARACTER VARYING,NO", "EMAIL,CHARACTER VARYING,YES"),
                    rows(s, "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS "
                            + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = 'CUSTOMER' ORDER BY ORDINAL_POSITION"));
            assertEquals(List.of("1,ann,ann@example.com", "2,bob,null", "3,cy,cy@example.com"),
                    rows(s, "SELECT ID, NAME, EMAIL FROM CUSTOMER ORDER BY ID"));
            assertEquals(List.of("10,1,250", "11,1,100", "12,3,75"),
                    rows(s, "SELECT ID, CUSTOMER_ID, AMOUNT FROM PURCHASE ORDER BY ID"));
            assertEquals(List.of("null,<< Flyway Schema History table created >>,TRUE", "1,Create tables,TRUE",
                    "2,Add email,TRUE", "3,Seed rows,TRUE"),
                    rows(s, "SELECT \"version\", \"description\", \"success\" FROM \"flyway_schema_history\" "
                            + "ORDER BY \"installed_rank\""));
            assertEquals(List.of("flyway_schema_history,installed_rank", "PURCHASE,ID", "CUSTOMER,ID"),
                    rows(s, "SELECT T.TABLE_NAME, K.COLUMN_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS T "
                            + "JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE K ON K.CONSTRAINT_NAME = T.CONSTRAINT_NAME "
                            + "AND K.TABLE_NAME = T.TABLE_NAME WHERE T.CONSTRAINT_TYPE = 'PRIMARY KEY' "
                            + "AND T.TABLE_SCHEMA = 'PUBLIC' ORDER BY T.TABLE_NAME DESC"));
        }
    }

    private static Flyway flyway() {
        return Flyway.configure()
                .dataSource(new FlotillaDataSource(url))
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

    /** DDL: as in H2, each statement commits Flyway's transaction first. */
    static final class V1__Create_tables extends BaseJavaMigration {
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
}
