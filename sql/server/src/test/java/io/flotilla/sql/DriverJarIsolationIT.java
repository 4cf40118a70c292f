package io.flotilla.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The driver jar as an application gets it — sql/jdbc's packaged flotilla-jdbc-&lt;version&gt;.jar,
 * alone — runs in an application that carries a protobuf-java of another major version, earlier on
 * its class path (as gRPC, jetcd or a cloud SDK bring one). Without the driver's own protobuf,
 * relocated inside the jar, the application's protobuf serves the driver's generated messages and
 * the first Hello fails.
 *
 * <p>Failsafe runs it after the package phase; the pom passes both jars' paths
 * ({@code flotilla.driver.jar}, {@code flotilla.foreign.protobuf.jar}). The application is a class
 * loader whose parent is the platform loader: it sees the JDK and those two jars, nothing of this
 * JVM's class path.
 */
class DriverJarIsolationIT {

    private static final String DRIVER_CLASS = "io.flotilla.jdbc.FlotillaDriver";

    @Test
    void theDriverJarAloneServesAnApplicationThatCarriesAnotherProtobuf() throws Exception {
        Path driverJar = jarNamedBy("flotilla.driver.jar");
        Path foreignProtobuf = jarNamedBy("flotilla.foreign.protobuf.jar");

        try (LocalNodes nodes = new LocalNodes(3);
             URLClassLoader application = new URLClassLoader("application",
                     new URL[] {foreignProtobuf.toUri().toURL(), driverJar.toUri().toURL()},
                     ClassLoader.getPlatformClassLoader())) {
            assertEquals(foreignProtobuf, codeSource(application.loadClass("com.google.protobuf.Message")),
                    "the application's protobuf is the other major version");

            Driver driver = ServiceLoader.load(Driver.class, application).stream()
                    .filter(p -> p.type().getName().equals(DRIVER_CLASS))
                    .findFirst().orElseThrow(() -> new AssertionError(
                            "no java.sql.Driver service in " + driverJar + " names " + DRIVER_CLASS))
                    .get();
            assertEquals(driverJar, codeSource(driver.getClass()));
            assertTrue(driver.acceptsURL(nodes.url()));

            Properties user = new Properties();
            user.setProperty("user", "sa");
            user.setProperty("password", "");
            try (Connection c = driver.connect(nodes.url(), user); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ISOLATED(ID INT PRIMARY KEY, NOTE VARCHAR(40))");
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO ISOLATED VALUES (?, ?)")) {
                    insert.setInt(1, 1);
                    insert.setString(2, "beside protobuf 3");
                    assertEquals(1, insert.executeUpdate());
                }
                try (ResultSet rs = s.executeQuery("SELECT ID, NOTE FROM ISOLATED")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getInt(1));
                    assertEquals("beside protobuf 3", rs.getString(2));
                    assertFalse(rs.next());
                }
                System.out.println("driver jar isolation: " + driverJar.getFileName() + " ("
                        + Files.size(driverJar) / 1024 + " KiB) beside " + foreignProtobuf.getFileName()
                        + ": connected to " + c.getMetaData().getDatabaseProductName() + ", inserted and read back");
            }
        }

        // What made it work, said of the jar: nothing in it under the names an application's own
        // protobuf or flotilla-protocol would use.
        try (JarFile jar = new JarFile(driverJar.toFile())) {
            List<String> unrelocated = jar.stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith("com/google/protobuf/") || n.startsWith("io/flotilla/protocol/"))
                    .toList();
            assertEquals(List.of(), unrelocated, "classes left under names an application may also carry");
            assertNotNull(jar.getEntry("io/flotilla/jdbc/internal/com/google/protobuf/Message.class"));
            assertNotNull(jar.getEntry("io/flotilla/jdbc/internal/io/flotilla/protocol/Hello.class"));
            assertEquals(DRIVER_CLASS, new String(jar.getInputStream(jar.getEntry("META-INF/services/java.sql.Driver"))
                    .readAllBytes(), StandardCharsets.UTF_8).strip());
        }
    }

    private static Path jarNamedBy(String property) throws IOException {
        String value = System.getProperty(property);
        assertNotNull(value, property + " is not set: run this test through Maven's verify phase (failsafe)");
        Path path = Path.of(value).toRealPath();
        assertTrue(Files.isRegularFile(path) && path.toString().endsWith(".jar"),
                property + " must name a packaged jar, not " + path);
        return path;
    }

    private static Path codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toRealPath();
    }
}
