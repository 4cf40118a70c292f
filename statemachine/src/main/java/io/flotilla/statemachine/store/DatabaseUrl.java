package io.flotilla.statemachine.store;

import java.nio.file.Path;

/**
 * The embedded H2 URL of one database directory, and why each setting is what it is.
 *
 * <ul>
 *   <li>No per-commit fsync: H2 2.x (MVStore) writes committed changes to the file in the
 *       background and forces the file only on {@code CHECKPOINT SYNC} or close. The Raft log, with
 *       the snapshot it is compacted to, is the write-ahead log: after a clean shutdown the replica
 *       resumes from the database, after a crash it is rebuilt from the log
 *       ({@link RangeStore#open} says why).
 *   <li>{@code DB_CLOSE_ON_EXIT=FALSE}: H2's shutdown hook must not close the database under a
 *       state machine that is still applying; the store closes it.
 *   <li>{@code LOCK_TIMEOUT} and {@code WRITE_DELAY} from {@link StoreOptions}, which says why.
 *   <li>{@code IFEXISTS=TRUE} when opening a live database: a missing file must fail loudly
 *       rather than come back as an empty database that claims to have applied nothing.
 * </ul>
 */
final class DatabaseUrl {

    static final String USER = "sa";
    static final String PASSWORD = "";
    private static final String FILE_NAME = "range";

    private DatabaseUrl() {
    }

    static String existing(Path directory, StoreOptions options) {
        return base(directory, options) + ";IFEXISTS=TRUE";
    }

    static String creating(Path directory, StoreOptions options) {
        return base(directory, options);
    }

    private static String base(Path directory, StoreOptions options) {
        if (directory.toString().indexOf(';') >= 0) {
            // H2 would read what follows the semicolon as settings.
            throw new IllegalArgumentException("database path contains ';': " + directory);
        }
        return "jdbc:h2:file:" + directory.toAbsolutePath().resolve(FILE_NAME)
                + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=" + options.lockTimeoutMillis()
                + ";WRITE_DELAY=" + options.writeDelayMillis();
    }
}
