package io.flotilla.bench.load;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** What a client does in a loop; each workload is measured on its own. */
enum Workload {
    /** Autocommit inserts of keys nobody used before (the preloaded keys 0..rows-1 lie below them). */
    INSERT("insert"),
    /** Primary-key lookups of random preloaded rows. */
    POINT_SELECT("point-select"),
    /** Point selects and single-row updates of random preloaded rows, in the mixed read ratio. */
    MIXED("mixed");

    final String label;

    Workload(String label) {
        this.label = label;
    }

    static Workload byName(String name) {
        for (Workload w : values()) {
            if (w.label.equals(name.toLowerCase(Locale.ROOT))) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload: " + name + " (insert, point-select or mixed)");
    }

    boolean readsPreloadedRows() {
        return this != INSERT;
    }

    /** Prepares the statements of one client on its own connection. */
    Operation prepare(Connection connection, int client, LoadOptions options) throws SQLException {
        return switch (this) {
            // Clients stride through the keys above the preloaded ones, so no two ever collide.
            case INSERT -> new KvStatements.Insert(connection, options.rows() + client, options.clients());
            case POINT_SELECT -> new KvStatements.ReadUpdate(connection, options.rows(), 1.0);
            case MIXED -> new KvStatements.ReadUpdate(connection, options.rows(), options.mixedReadRatio());
        };
    }
}
