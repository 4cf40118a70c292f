package io.flotilla.bench.statemachine;

import io.flotilla.statemachine.store.RangeStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A replica's H2 database ({@link RangeStore}, file-backed, in a fresh temporary directory) holding
 * the table {@code ORDERS}, with one session in manual-commit mode and its prepared INSERT. Closing
 * it closes the database and deletes the directory.
 */
final class OrdersDatabase implements AutoCloseable {

    static final String TABLE = "ORDERS";

    private final Path directory;
    private final RangeStore store;
    private final Connection session;
    private final PreparedStatement insert;

    private OrdersDatabase(Path directory, RangeStore store, Connection session, PreparedStatement insert) {
        this.directory = directory;
        this.store = store;
        this.session = session;
        this.insert = insert;
    }

    /** Creates the database in a new temporary directory whose name starts with {@code prefix}. */
    static OrdersDatabase create(String prefix) throws IOException, SQLException {
        Path directory = Files.createTempDirectory(prefix);
        RangeStore store = null;
        Connection session = null;
        try {
            store = RangeStore.open(directory);
            session = store.connect();
            try (Statement statement = session.createStatement()) {
                statement.execute("CREATE TABLE " + TABLE + "(ID BIGINT PRIMARY KEY, NAME VARCHAR(40), "
                        + "AMOUNT DECIMAL(12,2), CREATED TIMESTAMP)");
            }
            session.setAutoCommit(false);
            PreparedStatement insert = session.prepareStatement("INSERT INTO " + TABLE + " VALUES (?, ?, ?, ?)");
            return new OrdersDatabase(directory, store, session, insert);
        } catch (IOException | SQLException | RuntimeException failure) {
            // Nothing owns what was opened yet: undo it here.
            try {
                if (session != null) {
                    session.close();
                }
                if (store != null) {
                    store.close();
                }
                deleteTree(directory);
            } catch (IOException | SQLException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    /** The session: auto-commit off, no transaction open between benchmark operations. */
    Connection session() {
        return session;
    }

    /** Binds {@code order} to the prepared INSERT; the caller executes or batches it. */
    PreparedStatement insert(Order order) throws SQLException {
        insert.setLong(1, order.id());
        insert.setString(2, order.name());
        insert.setBigDecimal(3, order.amount());
        insert.setTimestamp(4, order.created());
        return insert;
    }

    /** Removes every order (TRUNCATE is DDL in H2: it commits). */
    void empty() throws SQLException {
        try (Statement statement = session.createStatement()) {
            statement.execute("TRUNCATE TABLE " + TABLE);
        }
        session.commit();
    }

    @Override
    public void close() throws SQLException, IOException {
        try (RangeStore s = store; Connection c = session; PreparedStatement i = insert) {
            // Closed in reverse order: the statement, the session, then the database.
        }
        deleteTree(directory);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
