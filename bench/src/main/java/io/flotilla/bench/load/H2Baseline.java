package io.flotilla.bench.load;

import org.h2.tools.Server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The single-node baseline: H2's own TCP server in this JVM, its database file in a temporary
 * directory that is deleted on close. Clients reach it over loopback TCP like any remote database.
 */
final class H2Baseline implements AutoCloseable {

    private final Path baseDir;
    private final Server server;

    private H2Baseline(Path baseDir, Server server) {
        this.baseDir = baseDir;
        this.server = server;
    }

    static H2Baseline start() throws IOException, SQLException {
        Path dir = Files.createTempDirectory("flotilla-load-h2-");
        try {
            Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", dir.toString()).start();
            return new H2Baseline(dir, server);
        } catch (SQLException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    Target target() {
        return new Target("h2", "jdbc:h2:tcp://localhost:" + server.getPort() + "/loadtest", "sa", "");
    }

    @Override
    public void close() throws IOException {
        try {
            server.stop();
        } finally {
            deleteTree(baseDir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
