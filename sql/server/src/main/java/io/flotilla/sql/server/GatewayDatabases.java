package io.flotilla.sql.server;

import io.flotilla.statemachine.range.RangeReplica;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;

import org.h2.Driver;

/**
 * The databases in which this node runs queries across ranges ({@link SpanningRead}): private
 * in-memory H2 databases with the replicated schema and no rows of their own. A query borrows one,
 * loads the rows its ranges sent into it inside a transaction, runs there, and gives it back with
 * the transaction rolled back: the next query finds it empty again. One query at a time per
 * database, so the rows of two queries never meet and no lock is ever waited for; idle databases
 * are kept per schema version (a few, as many as queries across ranges ran at once), and one of an
 * older version is closed when it comes back.
 *
 * <p>The schema is the replica's own, as H2 scripts it ({@code SCRIPT NODATA}), with its database
 * settings: the same types, collations, defaults and views, so that H2 computes the same answer
 * over the rows as it would in one database. Left out: triggers (Flotilla's change capture has
 * nothing to record here) and foreign keys (a query loads only the rows it reads, whose referenced
 * rows may be elsewhere).
 */
final class GatewayDatabases implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GatewayDatabases.class.getName());

    /** Idle databases kept; more at once are opened for the query and closed after it. */
    private static final int KEPT = 4;
    private static final Pattern LEFT_OUT = Pattern.compile(
            "(CREATE (FORCE )?TRIGGER .*|ALTER TABLE .* FOREIGN KEY ?\\(.*)", Pattern.DOTALL);

    /** One database lent to one query, which opens its own session in it (with the client's settings). */
    record Gateway(long schemaVersion, String url) {

        Connection connect() throws SQLException {
            return Driver.load().connect(url, credentials());
        }
    }

    private final Deque<Gateway> idle = new ArrayDeque<>();
    private boolean closed;

    /**
     * A database with {@code replica}'s schema as it is now, for one query.
     *
     * @throws SQLException 08F02 when the schema changed while it was read (try again)
     */
    Gateway borrow(RangeReplica replica) throws SQLException {
        long version = replica.schemaVersion();
        synchronized (this) {
            if (closed) {
                throw new SQLException("the node is closing", "08F02");
            }
            for (Gateway g : idle) {
                if (g.schemaVersion() == version) {
                    idle.remove(g);
                    return g;
                }
            }
        }
        List<String> script = script(replica);
        if (replica.schemaVersion() != version) {
            throw new SQLException("the schema changed while a query across ranges was planned; run it again", "08F02");
        }
        // Named, and kept open between sessions (DB_CLOSE_DELAY=-1) until closed here.
        Gateway gateway = new Gateway(version, "jdbc:h2:mem:flotilla-query-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (Connection c = gateway.connect(); Statement s = c.createStatement()) {
            for (String sql : script) {
                s.execute(sql);
            }
        } catch (SQLException | RuntimeException e) {
            close(gateway);
            throw e;
        }
        return gateway;
    }

    /**
     * Takes a database back once the query's session in it has ended (its rows rolled back with
     * it); kept if of the current schema and room is left.
     */
    void giveBack(Gateway gateway, RangeReplica replica) {
        boolean keep;
        synchronized (this) {
            keep = !closed && gateway.schemaVersion() == replica.schemaVersion() && idle.size() < KEPT;
            idle.removeIf(g -> g.schemaVersion() != gateway.schemaVersion() && close(g));
            if (keep) {
                idle.push(gateway);
            }
        }
        if (!keep) {
            close(gateway);
        }
    }

    private static boolean close(Gateway gateway) {
        try (Connection c = gateway.connect(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "closing a query database failed", e);
        }
        return true;
    }

    /** The replica's schema and settings, as statements to run in an empty database. */
    private static List<String> script(RangeReplica replica) throws SQLException {
        List<String> out = new ArrayList<>();
        // A connection of its own: SCRIPT commits the session's transaction.
        try (Connection c = replica.store().connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SCRIPT NODATA NOPASSWORDS NOVERSION")) {
            while (rows.next()) {
                String sql = rows.getString(1);
                if (!sql.startsWith("--") && !LEFT_OUT.matcher(sql).matches()) {
                    out.add(sql);
                }
            }
        }
        return out;
    }

    private static Properties credentials() {
        Properties p = new Properties();
        // The replicas' own user, whom the script names as the owner of its schemas.
        p.setProperty("user", "sa");
        p.setProperty("password", "");
        return p;
    }

    @Override
    public void close() {
        List<Gateway> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(GatewayDatabases::close);
    }
}
