package io.flotilla.testing;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One cluster for the class: the same one in every test, parameters and fields; connections per test. */
@FlotillaTest(nodes = 3)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlotillaExtensionPerClassTest {

    @FromCluster
    static FlotillaCluster classCluster;
    @FromCluster
    DataSource dataSource;
    @FromCluster
    Connection connection;
    /** Not annotated: left alone. */
    Connection untouched;

    private static Connection firstTestsConnection;
    private static Connection beforeAllConnection;

    @BeforeAll
    static void schema(FlotillaCluster cluster, Connection c) throws SQLException {
        assertSame(classCluster, cluster, "the static field holds the class's cluster before @BeforeAll");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE VISIT(ID INT PRIMARY KEY)");
        }
        beforeAllConnection = c;
    }

    @Test
    @Order(1)
    void fieldsAndParametersComeFromOneCluster(FlotillaCluster cluster, Connection parameter) throws SQLException {
        assertSame(classCluster, cluster);
        assertNotNull(connection);
        assertNotSame(connection, parameter);
        assertEquals(null, untouched);
        assertFalse(beforeAllConnection.isClosed(), "a @BeforeAll connection lives as long as the class");
        try (Statement s = connection.createStatement()) {
            s.execute("INSERT INTO VISIT VALUES (1)");
        }
        assertEquals(1, visits(parameter));
        try (Connection c = dataSource.getConnection()) {
            assertEquals(1, visits(c));
        }
        firstTestsConnection = connection;
    }

    @Test
    @Order(2)
    void theNextTestSeesTheSameClusterAndNewConnections(FlotillaCluster cluster) throws SQLException {
        assertSame(classCluster, cluster);
        assertTrue(firstTestsConnection.isClosed(), "the first test's connection was closed after it");
        assertNotSame(firstTestsConnection, connection);
        assertEquals(1, visits(connection), "what the first test wrote is there: one cluster for the class");
        assertEquals(3, cluster.runningNodes().size());
    }

    @Nested
    class NestedTests {
        @FromCluster
        Connection nestedConnection;

        @Test
        void shareTheEnclosingClassesCluster(FlotillaCluster cluster) throws SQLException {
            assertSame(classCluster, cluster);
            assertTrue(visits(nestedConnection) >= 0);
        }
    }

    static int visits(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM VISIT")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
