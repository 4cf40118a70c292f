package io.flotilla.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.wire.HostAddress;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class DriverConfigTest {

    @Test
    void parsesHostsDatabaseAndOptions() throws SQLException {
        DriverConfig c = DriverConfig.parse(
                "jdbc:flotilla://a:1,b:2,[::1]:3/db?consistency=bounded:250&fetchSize=7&readOnly=true", null);
        assertEquals(List.of(new HostAddress("a", 1), new HostAddress("b", 2), new HostAddress("::1", 3)), c.hosts());
        assertEquals("db", c.database());
        assertEquals(Consistency.Level.BOUNDED, c.consistency().level());
        assertEquals(250, c.consistency().maxStalenessMillis());
        assertEquals(7, c.fetchSize());
        assertTrue(c.readOnly());
        assertEquals(2000, c.connectTimeoutMillis());
        assertEquals(0, c.socketTimeoutMillis());
        assertEquals(0, c.linkTimeoutMillis(), "the node's own figure");
        assertFalse(c.productH2());
        assertTrue(DriverConfig.parse("jdbc:flotilla://a:1?productName=h2", null).productH2());
    }

    @Test
    void propertiesOverrideTheUrl() throws SQLException {
        Properties p = new Properties();
        p.setProperty("fetchSize", "9");
        p.setProperty("consistency", "session");
        p.setProperty("user", "ignored");
        DriverConfig c = DriverConfig.parse("jdbc:flotilla://a:1?fetchSize=7", p);
        assertEquals(9, c.fetchSize());
        assertEquals(Consistency.Level.SESSION, c.consistency().level());
        assertEquals(Consistency.Level.LINEARIZABLE, DriverConfig.parse("jdbc:flotilla://a:1", null).consistency().level());
    }

    @Test
    void rejectsBadUrls() {
        assertThrows(SQLException.class, () -> DriverConfig.parse("jdbc:flotilla://a", null));
        assertThrows(SQLException.class, () -> DriverConfig.parse("jdbc:flotilla://a:1?fetchsise=3", null));
        assertThrows(SQLException.class, () -> DriverConfig.parse("jdbc:flotilla://a:1?consistency=eventual", null));
        assertThrows(SQLException.class, () -> DriverConfig.parse("jdbc:flotilla://a:1?connectTimeout=-1", null));
        assertThrows(SQLException.class, () -> DriverConfig.parse("jdbc:flotilla://a:1?productName=Oracle", null));
    }

    @Test
    void anLsnReadNamesItsToken() throws SQLException {
        DriverConfig c = DriverConfig.parse("jdbc:flotilla://a:1?consistency=lsn:2:18344&lsnWait=50", null);
        assertEquals(Consistency.Level.SESSION, c.consistency().level());
        assertEquals(2, c.consistency().atLeast().getRange());
        assertEquals(18344, c.consistency().atLeast().getIndex());
        assertEquals("lsn:2:18344", c.consistency().toString());
        assertEquals(50, c.lsnWaitMillis());
        assertEquals(500, DriverConfig.parse("jdbc:flotilla://a:1", null).lsnWaitMillis());
        for (String bad : new String[] {"lsn:", "lsn:2", "lsn:x:1", "lsn:0:5", "lsn:2:-1"}) {
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverConfig.parse("jdbc:flotilla://a:1?consistency=" + bad, null), bad);
            assertEquals("22023", e.getSQLState(), bad);
        }
    }

    @Test
    void driverIsRegisteredAndDescribesItsOptions() throws SQLException {
        Driver d = DriverManager.getDriver("jdbc:flotilla://localhost:1");
        assertTrue(d instanceof FlotillaDriver);
        assertTrue(ServiceLoader.load(Driver.class).stream().anyMatch(p -> p.type() == FlotillaDriver.class));
        assertFalse(d.acceptsURL("jdbc:h2:mem:x"));
        assertNull(d.connect("jdbc:h2:mem:x", new Properties()));
        assertFalse(d.jdbcCompliant());
        assertEquals(9, d.getPropertyInfo("jdbc:flotilla://a:1", null).length);
    }
}
