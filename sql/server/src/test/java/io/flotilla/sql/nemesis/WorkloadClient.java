package io.flotilla.sql.nemesis;

import io.flotilla.jdbc.FlotillaConnection;
import io.flotilla.protocol.wire.HostAddress;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One client thread of a workload: its own JDBC connection to the whole cluster, one operation
 * after another until told to stop, each recorded as an {@link Outcome}.
 *
 * <p>The driver closes a connection after a network timeout (JDBC semantics: the node may still be
 * working on the request); the client then opens a new one, as an application's pool would.
 * Failing to open one counts as a failed operation of the workload ("connect"), so a client that
 * cannot reach the cluster shows up in the timeline.
 *
 * <p>The lists are written by the client's thread only and read by others after {@link #join}.
 */
abstract class WorkloadClient implements Runnable {

    /** A client's pause between two failed attempts to open a connection: a reconnect backoff. */
    private static final long RECONNECT_BACKOFF_MILLIS = 100;

    final String workload;
    final int client;
    private final ClientUrls urls;
    final RunClock clock;
    final List<Outcome> outcomes = new ArrayList<>();
    final List<Anomaly> anomalies = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Connection connection;
    private Thread thread;
    /** A bug of the test itself (not an SQL error): reported, never swallowed. */
    private volatile Throwable crash;
    /**
     * When the last successful operation was invoked, on the run's clock; read by other threads to
     * pace a run. Invoked, not completed: a call that began before a fault and is answered after it
     * heals says nothing of the cluster since.
     */
    private volatile long lastSuccessInvokedNanos = -1;

    WorkloadClient(String workload, int client, ClientUrls urls, RunClock clock) {
        this.workload = workload;
        this.client = client;
        this.urls = urls;
        this.clock = clock;
    }

    /** Session settings of a new connection (auto-commit, isolation). */
    abstract void configure(Connection c) throws SQLException;

    /** Runs one operation on the connection and records its outcome. */
    abstract void operate(Connection c);

    final void start() {
        thread = new Thread(this, workload + "-client-" + client);
        thread.setDaemon(true);
        thread.start();
    }

    final void requestStop() {
        stopping = true;
    }

    /** Waits for the thread; past the time, closes its connection so that a blocked call fails at once. */
    final void join(Duration time) throws InterruptedException {
        thread.join(time.toMillis());
        if (thread.isAlive()) {
            Connection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // It is being abandoned anyway.
                }
            }
            thread.join(time.toMillis());
        }
        if (thread.isAlive()) {
            throw new IllegalStateException(thread.getName() + " did not stop");
        }
    }

    final Throwable crash() {
        return crash;
    }

    /** When this client's last successful operation was invoked, -1 before the first; safe from any thread. */
    final long lastSuccessInvokedNanos() {
        return lastSuccessInvokedNanos;
    }

    @Override
    public final void run() {
        try {
            while (!stopping) {
                Connection c = connection;
                if (c == null) {
                    c = open();
                    if (c == null) {
                        continue;
                    }
                }
                operate(c);
                if (c.isClosed()) {
                    connection = null;
                }
            }
        } catch (Throwable t) {
            crash = t;
        } finally {
            Connection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // The run is over for this client.
                }
            }
        }
    }

    private Connection open() throws InterruptedException {
        long invoked = clock.now();
        try {
            Connection c = DriverManager.getConnection(urls.forClient(client), "sa", "");
            connection = c;
            configure(c);
            return c;
        } catch (SQLException e) {
            record("connect", invoked, 0, Outcome.Result.FAILED, e);
            Connection c = connection;
            connection = null;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // Half set up: dropped.
                }
            }
            Thread.sleep(RECONNECT_BACKOFF_MILLIS);
            return null;
        }
    }

    /** The node the connection is linked to now, 0 if none. */
    final long linkedNode() {
        Connection c = connection;
        if (c == null) {
            return 0;
        }
        try {
            String node = c.unwrap(FlotillaConnection.class).getCurrentNode();
            return node == null ? 0 : urls.nodeOf(HostAddress.parse(node));
        } catch (SQLException e) {
            return 0;
        }
    }

    final Outcome record(String operation, long invokedNanos, long nodeBefore, Outcome.Result result,
                         SQLException failure) {
        return record(operation, invokedNanos, nodeBefore, result, failure, null);
    }

    /** Records an outcome; {@code step} says where in the operation a failure happened, if that matters. */
    final Outcome record(String operation, long invokedNanos, long nodeBefore, Outcome.Result result,
                         SQLException failure, String step) {
        String detail = null;
        if (failure != null) {
            String message = String.valueOf(failure.getMessage()).replace('\n', ' ');
            detail = (step == null ? "" : step + ": ") + (message.length() > 300 ? message.substring(0, 300) + "..." : message);
        } else if (step != null) {
            detail = step;
        }
        Outcome o = new Outcome(workload, operation, client, invokedNanos, clock.now(), result,
                failure == null ? null : failure.getSQLState(), nodeBefore, linkedNode(), detail);
        outcomes.add(o);
        if (result == Outcome.Result.OK) {
            lastSuccessInvokedNanos = o.invokedNanos();
        }
        return o;
    }

    final void anomaly(long atNanos, String description) {
        anomalies.add(new Anomaly(workload, atNanos, description));
    }

    static void rollbackQuietly(Connection c) {
        try {
            if (!c.isClosed() && !c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // The transaction is gone either way; the next one starts clean or on a new connection.
        }
    }
}
