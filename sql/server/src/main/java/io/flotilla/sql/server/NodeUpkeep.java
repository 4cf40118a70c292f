package io.flotilla.sql.server;

import io.flotilla.sql.node.Waits;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node's upkeep of the ranges it holds: once a second, on one thread of its own, each chore
 * looks at them and acts through a session of the node's own, as a client would (splits by size
 * and load, {@link AutomaticSplits}; ranges behind the schema log, {@link SchemaCatchUp}; prepared
 * parts whose coordinator went quiet, {@link PreparedRecovery}). A chore that fails looks again at
 * the next round: a replica closed under it, or its leadership moved.
 */
final class NodeUpkeep implements Runnable, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeUpkeep.class.getName());
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** One look at the node's ranges, and what it does about them. */
    interface Chore {
        void look() throws SQLException;
    }

    private final List<Chore> chores;
    private final Waits waits;
    private volatile boolean closed;

    NodeUpkeep(List<Chore> chores, Waits waits) {
        this.chores = List.copyOf(chores);
        this.waits = waits;
    }

    @Override
    public void run() {
        while (!closed) {
            try {
                waits.sleep(INTERVAL_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (Chore chore : chores) {
                if (closed) {
                    return;
                }
                try {
                    chore.look();
                } catch (SQLException | RuntimeException failure) {
                    LOG.log(System.Logger.Level.DEBUG, chore.getClass().getSimpleName() + " failed; it looks again "
                            + "at the next round", failure);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
