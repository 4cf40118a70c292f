package io.flotilla.sql.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The statements of one H2 connection, parsed once and kept for the next execution of the same
 * text: a client's prepared statement (or a repeated statement) runs without being parsed again.
 * A statement is taken out while it runs and given back when its results are done, so two
 * executions never share one; the least recently used beyond the capacity are closed. H2
 * re-parses a kept statement by itself after a schema change.
 *
 * <p>Used by one session thread at a time; the owner closes it before the connection.
 */
final class StatementCache implements AutoCloseable {

    static final int CAPACITY = 64;

    private final Connection connection;
    private final LinkedHashMap<String, PreparedStatement> idle = new LinkedHashMap<>(16, 0.75f, true);
    private long parsed;
    private long reused;

    StatementCache(Connection connection) {
        this.connection = connection;
    }

    boolean isFor(Connection c) {
        return connection == c;
    }

    /** The kept statement for {@code sql}, or a newly parsed one; give it back when done. */
    PreparedStatement take(String sql) throws SQLException {
        PreparedStatement kept = idle.remove(sql);
        if (kept != null && !kept.isClosed()) {
            reused++;
            return kept;
        }
        parsed++;
        return connection.prepareStatement(sql);
    }

    /** Keeps the statement for the next execution of {@code sql}, with its per-execution settings reset. */
    void give(String sql, PreparedStatement statement) throws SQLException {
        if (statement.isClosed()) {
            return;
        }
        try {
            statement.clearParameters();
            statement.clearBatch();
            statement.setLargeMaxRows(0);
            statement.setQueryTimeout(0);
            statement.setFetchSize(0);
        } catch (SQLException e) {
            statement.close();
            throw e;
        }
        PreparedStatement previous = idle.put(sql, statement);
        if (previous != null && previous != statement) {
            previous.close();
        }
        Iterator<Map.Entry<String, PreparedStatement>> eldest = idle.entrySet().iterator();
        while (idle.size() > CAPACITY && eldest.hasNext()) {
            PreparedStatement evicted = eldest.next().getValue();
            eldest.remove();
            evicted.close();
        }
    }

    /** Statements parsed, and executions that reused a kept one, since the cache was made. */
    long parsed() {
        return parsed;
    }

    long reused() {
        return reused;
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (PreparedStatement statement : idle.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        idle.clear();
        if (first != null) {
            throw first;
        }
    }
}
