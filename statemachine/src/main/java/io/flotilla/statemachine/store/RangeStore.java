package io.flotilla.statemachine.store;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.h2.api.ErrorCode;

/**
 * The directory and H2 database of one range replica.
 *
 * <p>Connections handed out by {@link #connect()} belong to the live database. {@link #install}
 * and {@link #close} close every one of them: callers must not hold a connection across an
 * install, and must be ready for a closed connection afterwards.
 *
 * <p>Thread-safe. Installs run one at a time; while one builds its new database, everything
 * else keeps working on the live one, and only the switch itself (closing the old database,
 * opening the new) excludes other calls for a moment.
 */
public final class RangeStore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RangeStore.class.getName());
    /** SQLSTATE of a failure of the file system under the database (class 58: system error). */
    private static final String IO_ERROR = "58030";

    private final StoreLayout layout;
    private final Set<Connection> handedOut = ConcurrentHashMap.newKeySet();
    /** Guards which database is live: read to use it, write to close or switch it. */
    private final ReadWriteLock liveLock = new ReentrantReadWriteLock();
    private final Object installs = new Object();
    private volatile InstallHook installHook = InstallHook.NONE;
    private int liveNumber;
    private Connection anchor;

    private final StoreOptions options;

    private RangeStore(StoreLayout layout, StoreOptions options) {
        this.layout = layout;
        this.options = options;
    }

    /**
     * Opens the replica in {@code directory}, creating it (with an empty database that has applied
     * nothing) if it holds none, and removing what an interrupted install left behind. A database
     * that was not shut down cleanly (the process died, or {@link #crash()}) is replaced by an empty
     * one: the replica then starts from its log's snapshot and the log, as a new replica does.
     *
     * <p>Why not resume from what H2's file holds after a crash: H2 (2.3, MVStore) writes its file
     * while transactions run and commit, one map at a time, so the file it leaves behind need not be
     * a prefix of the commits. It was seen to hold rows of the entry after the applied position
     * it records (its own rows, written by a transaction H2's recovery does not undo, which the
     * replay then meets as a duplicate key), and part of an entry's rows without the rest. Only a
     * clean shutdown leaves a file that holds exactly the committed entries; the Raft log, and the
     * snapshot the log is compacted to, are what a replica rebuilds from after anything else.
     *
     * @throws CorruptStoreException if {@code CURRENT} names no database
     */
    public static RangeStore open(Path directory) throws IOException, SQLException {
        return open(directory, StoreOptions.defaults());
    }

    /** Opens the replica in {@code directory} as {@link #open(Path)} does, with H2 set up as {@code options} say. */
    public static RangeStore open(Path directory, StoreOptions options) throws IOException, SQLException {
        Files.createDirectories(directory);
        RangeStore store = new RangeStore(new StoreLayout(directory), options);
        store.openLive();
        return store;
    }

    private void openLive() throws IOException, SQLException {
        OptionalInt current = layout.current();
        // Without CURRENT nothing was ever made live: any database directory is a creation that
        // crashed before it finished.
        layout.removeLeftovers(current);
        if (current.isPresent() && StoreLayout.shutDownCleanly(layout.databaseDirectory(current.getAsInt()))) {
            attach(current.getAsInt(), DatabaseUrl.existing(layout.databaseDirectory(current.getAsInt()), options));
            AppliedTable.read(anchor);
            return;
        }
        if (current.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "range store in " + layout.root() + ": database db-" + current.getAsInt()
                    + " was not shut down cleanly; it is replaced by an empty one, and the replica rebuilds from its log");
        }
        int number = layout.nextNumber();
        Path directory = layout.databaseDirectory(number);
        try (Connection creating = DriverManager.getConnection(DatabaseUrl.creating(directory, options),
                DatabaseUrl.USER, DatabaseUrl.PASSWORD)) {
            AppliedTable.ensure(creating);
            shutdown(creating);
        }
        StoreLayout.markShutDownCleanly(directory);
        layout.prepareSwitch(number);
        layout.commitSwitch();
        attach(number, DatabaseUrl.existing(directory, options));
        if (current.isPresent()) {
            DurableFiles.deleteTree(layout.databaseDirectory(current.getAsInt()));
        }
    }

    private void attach(int number, String url) throws IOException, SQLException {
        // Open, the database's files stop being a clean shutdown's until the next one.
        StoreLayout.clearShutDownCleanly(layout.databaseDirectory(number));
        // The anchor keeps the database open while no one else holds a connection; H2 would
        // otherwise close and reopen it around every short-lived session.
        anchor = DriverManager.getConnection(url, DatabaseUrl.USER, DatabaseUrl.PASSWORD);
        liveNumber = number;
    }

    /** The directory of the live H2 database. */
    public Path databaseDirectory() {
        liveLock.readLock().lock();
        try {
            return layout.databaseDirectory(liveNumber);
        } finally {
            liveLock.readLock().unlock();
        }
    }

    /** A new session on the live database; the caller closes it, or install and close do. */
    public Connection connect() throws SQLException {
        liveLock.readLock().lock();
        try {
            Connection connection = newSession();
            // Registered under the lock, so a switch that closes the old database closes it too.
            handedOut.add(connection);
            handedOut.removeIf(RangeStore::isClosedQuietly);
            return connection;
        } finally {
            liveLock.readLock().unlock();
        }
    }

    /** The applied index of the live database, as committed (not necessarily durable). */
    public long appliedIndex() throws SQLException {
        return appliedPosition().index();
    }

    /** The applied position of the live database, as committed (not necessarily durable). */
    public AppliedPosition appliedPosition() throws SQLException {
        liveLock.readLock().lock();
        try {
            return AppliedTable.read(live());
        } finally {
            liveLock.readLock().unlock();
        }
    }

    /**
     * Forces everything H2 has committed to disk and returns the applied position it was read at.
     * A restart does not resume from what this forced unless the database is then shut down
     * cleanly ({@link #open} says why); log truncation relies on the snapshot the log keeps.
     */
    public AppliedPosition checkpoint() throws SQLException {
        liveLock.readLock().lock();
        try {
            Connection live = live();
            // Read before the sync: whatever was committed when it was read is in what the sync forces.
            AppliedPosition position = AppliedTable.read(live);
            try (Statement statement = live.createStatement()) {
                statement.execute("CHECKPOINT SYNC");
            }
            return position;
        } finally {
            liveLock.readLock().unlock();
        }
    }

    /**
     * An image of the database exactly at the applied position it reports, read from inside the
     * image's own MVCC snapshot. Rows are produced as the channel is read, on the reader's thread,
     * while writers continue; the caller must close it. No DDL may run during this call; DDL on a
     * table the image has not read yet fails the image with {@link ImageInvalidatedException}.
     */
    public SnapshotImage snapshot() throws SQLException, IOException {
        liveLock.readLock().lock();
        try {
            Connection session = newSession();
            try (Connection scripting = newSession()) {
                ByteSink produced = new ByteSink();
                return new SnapshotImage(ImageProducer.start(scripting, session, produced), produced);
            } catch (SQLException | IOException | RuntimeException failure) {
                closeAfterFailure(session, failure);
                throw failure;
            }
        } finally {
            liveLock.readLock().unlock();
        }
    }

    /**
     * Replaces the whole database with an image taken by {@link #snapshot()}: builds it in a new
     * directory, verifies and forces it, then makes it live with one atomic rename. Every
     * connection handed out before is closed. On failure the old database stays live and usable;
     * after a crash at any point, {@link #open} finds either the old or the new database.
     * The channel is read to its end but not closed.
     *
     * @return the applied position of the installed image
     * @throws CorruptImageException if the image is truncated or damaged
     */
    public AppliedPosition install(ReadableByteChannel image) throws IOException, SQLException {
        synchronized (installs) {
            liveLock.readLock().lock();
            try {
                live();
            } finally {
                liveLock.readLock().unlock();
            }
            int number = layout.nextNumber();
            Path directory = layout.databaseDirectory(number);
            AppliedPosition position = buildDurably(image, directory);
            liveLock.writeLock().lock();
            try {
                switchTo(number);
            } finally {
                liveLock.writeLock().unlock();
            }
            return position;
        }
    }

    /** Builds and forces the new database; on failure deletes it, leaving the live one untouched. */
    private AppliedPosition buildDurably(ReadableByteChannel image, Path directory) throws IOException, SQLException {
        try {
            AppliedPosition position = build(image, directory);
            // Built and shut down: the database is whole, whenever it is opened next.
            StoreLayout.markShutDownCleanly(directory);
            installHook.reached(InstallStage.SYNCED);
            return position;
        } catch (IOException | SQLException | RuntimeException failure) {
            try {
                DurableFiles.deleteTree(directory);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    private void switchTo(int number) throws IOException, SQLException {
        if (anchor == null) {
            SQLException closed = new SQLException("range store in " + layout.root() + " was closed during the install", "08003");
            try {
                DurableFiles.deleteTree(layout.databaseDirectory(number));
            } catch (IOException cleanup) {
                closed.addSuppressed(cleanup);
            }
            throw closed;
        }
        int old = liveNumber;
        closeLive();
        // Should the switch not happen, the old database is resumed from, not rebuilt.
        StoreLayout.markShutDownCleanly(layout.databaseDirectory(old));
        installHook.reached(InstallStage.OLD_CLOSED);
        try {
            layout.prepareSwitch(number);
            installHook.reached(InstallStage.SWITCH_PREPARED);
            layout.commitSwitch();
        } catch (IOException failure) {
            reopenAfterFailedSwitch(old, failure);
            throw failure;
        }
        installHook.reached(InstallStage.SWITCHED);
        attach(number, DatabaseUrl.existing(layout.databaseDirectory(number), options));
        installHook.reached(InstallStage.REOPENED);
        DurableFiles.deleteTree(layout.databaseDirectory(old));
    }

    private AppliedPosition build(ReadableByteChannel image, Path directory) throws IOException, SQLException {
        try (Connection building = DriverManager.getConnection(DatabaseUrl.creating(directory, options),
                DatabaseUrl.USER, DatabaseUrl.PASSWORD)) {
            try {
                AppliedPosition position = ImageLoader.load(image, building, installHook);
                installHook.reached(InstallStage.LOADED);
                shutdown(building);
                return position;
            } catch (IOException | SQLException | RuntimeException failure) {
                // Closes the half-built database now, so its directory can be deleted.
                try (Statement statement = building.createStatement()) {
                    statement.execute("SHUTDOWN IMMEDIATELY");
                } catch (SQLException shutdown) {
                    failure.addSuppressed(shutdown);
                }
                throw failure;
            }
        }
    }

    private void reopenAfterFailedSwitch(int old, IOException failure) {
        try {
            Files.deleteIfExists(layout.root().resolve(StoreLayout.CURRENT_TEMPORARY));
            attach(old, DatabaseUrl.existing(layout.databaseDirectory(old), options));
        } catch (IOException | SQLException reopen) {
            failure.addSuppressed(reopen);
        }
    }

    /**
     * Closes the database and every connection handed out. A clean shutdown is recorded, so that
     * the next {@link #open} resumes from the database rather than rebuilding it.
     */
    @Override
    public void close() throws SQLException {
        liveLock.writeLock().lock();
        try {
            boolean open = anchor != null;
            int closing = liveNumber;
            closeLive();
            if (open) {
                recordCleanShutdown(closing);
            }
        } finally {
            liveLock.writeLock().unlock();
        }
    }

    private void recordCleanShutdown(int number) throws SQLException {
        try {
            StoreLayout.markShutDownCleanly(layout.databaseDirectory(number));
        } catch (IOException failure) {
            // The database is closed and whole; unmarked, the next open only rebuilds it needlessly.
            throw new SQLException("range store in " + layout.root() + ": database db-" + number
                    + " was shut down but recording it failed; the next open rebuilds it", IO_ERROR, failure);
        }
    }

    /**
     * A fault hook for crash tests: stops the database at once without writing what H2 still holds
     * in memory (as in a killed process), and closes every connection. Nothing records a clean
     * shutdown, so the next {@link #open} replaces the database with an empty one.
     */
    public void crash() throws SQLException {
        liveLock.writeLock().lock();
        try {
            closeLive(true);
        } finally {
            liveLock.writeLock().unlock();
        }
    }

    private void closeLive() throws SQLException {
        closeLive(false);
    }

    private void closeLive(boolean immediately) throws SQLException {
        if (anchor == null) {
            return;
        }
        List<SQLException> failures = new ArrayList<>();
        try {
            // SHUTDOWN ends every session at once, including those of open snapshot images,
            // and writes the store cleanly; SHUTDOWN IMMEDIATELY writes nothing.
            try (Statement statement = anchor.createStatement()) {
                statement.execute(immediately ? "SHUTDOWN IMMEDIATELY" : "SHUTDOWN");
            }
        } catch (SQLException failure) {
            // Shutting down immediately may break the very connection that asked for it.
            if (!immediately || failure.getErrorCode() != ErrorCode.DATABASE_CALLED_AT_SHUTDOWN) {
                failures.add(failure);
            }
        }
        for (Connection connection : handedOut) {
            try {
                connection.close();
            } catch (SQLException failure) {
                failures.add(failure);
            }
        }
        handedOut.clear();
        try {
            anchor.close();
        } catch (SQLException failure) {
            failures.add(failure);
        }
        anchor = null;
        if (!failures.isEmpty()) {
            SQLException first = failures.get(0);
            for (int i = 1; i < failures.size(); i++) {
                first.addSuppressed(failures.get(i));
            }
            throw first;
        }
    }

    private Connection live() throws SQLException {
        if (anchor == null) {
            throw new SQLException("range store in " + layout.root() + " is closed", "08003");
        }
        return anchor;
    }

    /** Callers hold the live lock. */
    private Connection newSession() throws SQLException {
        live();
        return DriverManager.getConnection(DatabaseUrl.existing(layout.databaseDirectory(liveNumber), options),
                DatabaseUrl.USER, DatabaseUrl.PASSWORD);
    }

    private static void shutdown(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        }
    }

    private static void closeAfterFailure(Connection connection, Exception failure) {
        try {
            connection.close();
        } catch (SQLException close) {
            failure.addSuppressed(close);
        }
    }

    private static boolean isClosedQuietly(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException unknowable) {
            // isClosed does not fail in H2; if it did, keep tracking the connection.
            return false;
        }
    }

    /** Test hook: interrupt installs at chosen stages. */
    void onInstallStage(InstallHook hook) {
        this.installHook = hook;
    }
}
