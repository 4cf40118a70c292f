package io.flotilla.testing;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cluster per test method: each test starts from an empty one, and the one before is gone. */
@FlotillaTest(nodes = 1, perMethod = true, nodeSettings = "idle-in-transaction-timeout-ms=5000")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlotillaExtensionPerMethodTest {

    @FromCluster
    FlotillaCluster cluster;
    @FromCluster
    DataSource dataSource;

    private static FlotillaCluster previous;
    private static Path previousData;

    @BeforeEach
    void schema(FlotillaCluster parameter, Connection c) throws SQLException {
        assertSame(cluster, parameter, "@BeforeEach sees the test's cluster");
        try (Statement s = c.createStatement()) {
            // Would fail with 42S01 on a cluster that an earlier test used.
            s.execute("CREATE TABLE VISIT(ID INT PRIMARY KEY)");
        }
    }

    @Test
    @Order(1)
    void first(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO VISIT VALUES (1)");
        }
        previous = cluster;
        previousData = cluster.dataDirectory();
        assertTrue(Files.isDirectory(previousData));
    }

    @Test
    @Order(2)
    void second(FlotillaCluster parameter) throws SQLException {
        assertSame(cluster, parameter);
        assertNotSame(previous, cluster);
        assertTrue(previous.runningNodes().isEmpty(), "the first test's cluster was closed after it");
        assertFalse(Files.exists(previousData), "and its data deleted");
        try (Connection c = dataSource.getConnection()) {
            assertTrue(FlotillaExtensionPerClassTest.visits(c) == 0);
        }
    }
}
