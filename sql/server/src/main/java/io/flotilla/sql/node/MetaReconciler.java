package io.flotilla.sql.node;

import io.flotilla.raft.core.Membership;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SqlStates;
import io.flotilla.statemachine.range.TableName;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps the {@link RangeDescriptors range descriptors} and the {@link Catalog} true to the ranges.
 * On every node a thread of its own looks, every heartbeat interval, whether this node's replica of
 * the meta range leads it; only then does it compare and write, through that replica, in one
 * transaction, and only what differs. So the first leader of a new cluster writes the initial
 * descriptors (bootstrap), and whichever node leads later picks up where another left off.
 *
 * <ul>
 *   <li>Members come from this node's replica of each range: its Raft state's latest membership,
 *       once committed there and out of joint consensus, and recorded only if its entry is later
 *       than the one recorded. So a replica that is behind leaves the record alone rather than
 *       put back older members, and every membership change (the admin path's, or the leader's
 *       own step out of joint consensus) reaches the record shortly after it commits, whoever made
 *       it and whatever happened to the node that did.
 *   <li>The catalog follows this node's replica of each data range: when the range's schema
 *       version (the index of its last schema change) is past the one the catalog reflects, the
 *       replica's tables are listed and the catalog brought into line, with the version recorded in
 *       the range's descriptor in the same transaction.
 * </ul>
 *
 * <p>Both are thus eventually consistent: they lag the ranges by a heartbeat interval or two and
 * by however far this node's replicas are behind. Nothing that runs statements reads them.
 */
final class MetaReconciler implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MetaReconciler.class.getName());
    private static final long WRITE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long one wait lasts before looking whether the node closes: close() never interrupts this thread. */
    private static final long SLICE_MILLIS = 100;

    private final Node node;
    private final RangeReplica meta;
    private final RangeDescriptors descriptors;
    private final Catalog catalog;
    private final long intervalMillis;
    private final byte[] sessionId;
    private final Thread thread;
    private final Object pause = new Object();
    private volatile boolean closed;

    /** A membership as this node's replica of a range holds it: committed, and out of joint consensus. */
    private record Settled(SortedSet<Long> voters, SortedSet<Long> learners, long index) {
    }

    MetaReconciler(Node node, RangeDescriptors descriptors, Catalog catalog) {
        this.node = node;
        this.meta = node.replica(Node.META_RANGE);
        this.descriptors = descriptors;
        this.catalog = catalog;
        this.intervalMillis = Math.max(1, node.config().heartbeat().toMillis());
        // Its writes carry no sequence, so nothing is kept under this id: it only names them.
        this.sessionId = ("flotilla node " + node.id() + " meta").getBytes(StandardCharsets.UTF_8);
        this.thread = new Thread(this::run, "flotilla-node-" + node.id() + "-meta-reconciler");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long warnAt = System.nanoTime();
        while (!closed) {
            if (meta.serving()) {
                try {
                    reconcile();
                } catch (SQLException | RuntimeException e) {
                    // Tried again next round. Losing the lead or a write cut by a failover is expected now and then.
                    boolean expected = e instanceof SQLException sql && (SqlStates.NOT_LEADER.equals(sql.getSQLState())
                            || SqlStates.ROLLED_BACK.equals(sql.getSQLState())
                            || SqlStates.UNAVAILABLE.equals(sql.getSQLState())
                            || SqlStates.OUTCOME_UNKNOWN.equals(sql.getSQLState()));
                    boolean warn = !expected && System.nanoTime() - warnAt >= 0;
                    if (warn) {
                        warnAt = System.nanoTime() + WARN_EVERY_NANOS;
                    }
                    LOG.log(warn ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, "node " + node.id()
                            + ": the range descriptors or the catalog could not be brought up to date", e);
                }
            }
            synchronized (pause) {
                if (!closed) {
                    try {
                        pause.wait(intervalMillis);
                    } catch (InterruptedException e) {
                        // Nobody interrupts this thread; should someone, it stops as close() would have it.
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** One round on the meta range's leader: what differs from the ranges is written, in one transaction. */
    private void reconcile() throws SQLException {
        SortedMap<Long, RangeDescriptor> recorded = descriptors.entries();
        SortedMap<Long, RangeDescriptor> next = new TreeMap<>();
        for (Map.Entry<Long, RangeReplica> replica : node.replicas().entrySet()) {
            long range = replica.getKey();
            Optional<RangeBounds> bounds = replica.getValue().bounds();
            RangeDescriptor before = recorded.get(range);
            Optional<Settled> members = bounds.isPresent() ? settled(range) : Optional.empty();
            RangeDescriptor after = before;
            if (members.isPresent()) {
                Settled m = members.get();
                after = before == null
                        ? RangeDescriptor.of(bounds.get(), m.voters(), m.learners(), m.index())
                        : before.withMembers(m.voters(), m.learners(), m.index()).withBounds(bounds.get());
            }
            if (after != null) {
                next.put(range, after);
            }
        }
        SortedMap<TableName, Long> placed = catalog.entries();
        Map<TableName, Placement> put = new TreeMap<>();
        Set<TableName> removed = new TreeSet<>();
        for (RangeDescriptor d : List.copyOf(next.values())) {
            if (!d.holdsData()) {
                continue;
            }
            RangeReplica data = node.replica(d.range());
            // Read before the tables: the version recorded is never later than the tables listed.
            long version = data.schemaVersion();
            if (version <= d.schemaIndex()) {
                continue;
            }
            SortedMap<TableName, Long> tables = Catalog.tablesOf(data);
            for (Map.Entry<TableName, Long> t : tables.entrySet()) {
                long holder = holder(next.values(), t.getValue(), d.range());
                if (!Long.valueOf(holder).equals(placed.get(t.getKey()))) {
                    put.put(t.getKey(), new Placement(t.getValue(), holder));
                }
            }
            for (Map.Entry<TableName, Long> e : placed.entrySet()) {
                if (e.getValue() == d.range() && !tables.containsKey(e.getKey())) {
                    removed.add(e.getKey());
                }
            }
            next.put(d.range(), d.withSchemaIndex(version));
        }
        List<RangeDescriptor> changed = new ArrayList<>();
        for (RangeDescriptor d : next.values()) {
            if (!d.equals(recorded.get(d.range()))) {
                changed.add(d);
            }
        }
        if (!changed.isEmpty() || !put.isEmpty() || !removed.isEmpty()) {
            write(changed, put, removed);
            LOG.log(System.Logger.Level.DEBUG, "node {0}: recorded descriptors {1}, catalog +{2} -{3}", node.id(),
                    changed, put.keySet(), removed);
        }
    }

    /** A table's id and the range that holds it, as the catalog records them. */
    private record Placement(long tableId, long range) {
    }

    /** The data range whose span holds the table's first key; {@code otherwise} if none does. */
    private static long holder(Iterable<RangeDescriptor> ranges, long tableId, long otherwise) {
        for (RangeDescriptor d : ranges) {
            if (d.holdsData() && d.span().contains(KeySpan.ofTable(tableId).start())) {
                return d.range();
            }
        }
        return otherwise;
    }

    /**
     * The range's members as this node's replica holds them, if settled: committed (a committed
     * entry is never cut, and later ones come at higher indexes) and not in joint consensus (the
     * leader leaves it by itself). Empty too while this replica knows no voters (it is no member).
     */
    private Optional<Settled> settled(long range) throws SQLException {
        return ask(range, r -> {
            Membership m = r.membership();
            if (m.joint() || m.voters().isEmpty() || r.membershipIndex() > r.committed()) {
                return Optional.<Settled>empty();
            }
            return Optional.of(new Settled(m.voters(), m.learners(), r.membershipIndex()));
        });
    }

    private void write(List<RangeDescriptor> changed, Map<TableName, Placement> put, Set<TableName> removed)
            throws SQLException {
        boolean haveDescriptors;
        boolean haveCatalog;
        try (Connection c = meta.store().connect()) {
            // A serving leader has applied every earlier entry: its own database says whether the tables exist.
            haveDescriptors = MetaTables.exists(c, RangeDescriptors.TABLE);
            haveCatalog = MetaTables.exists(c, Catalog.TABLE);
        }
        try (RangeSession s = meta.session(sessionId)) {
            // Sequence 0: no session record. A lost answer needs no exactly-once retry, as the next
            // round compares again and writes only what still differs.
            if (!haveDescriptors) {
                await(s.schemaChange(RangeDescriptors.CREATE, 0));
            }
            if (!haveCatalog) {
                await(s.schemaChange(Catalog.CREATE, 0));
            }
            s.run(c -> {
                for (RangeDescriptor d : changed) {
                    RangeDescriptors.write(c, d);
                }
                for (TableName t : removed) {
                    Catalog.remove(c, t);
                }
                for (Map.Entry<TableName, Placement> e : put.entrySet()) {
                    Catalog.put(c, e.getKey(), e.getValue().tableId(), e.getValue().range());
                }
                return null;
            });
            await(s.commit(0));
        }
    }

    private <T> T ask(long range, java.util.function.Function<io.flotilla.raft.core.Raft, T> f) throws SQLException {
        try {
            return node.host().inspect(range, f).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new SQLException("range " + range + " is unavailable here: " + e, SqlStates.UNAVAILABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }

    /** The write's outcome, waited for in slices so that closing the node does not wait out the timeout. */
    private Outcome await(CompletableFuture<Outcome> f) throws SQLException {
        long deadline = System.nanoTime() + WRITE_TIMEOUT_NANOS;
        while (true) {
            try {
                Outcome o = f.get(SLICE_MILLIS, TimeUnit.MILLISECONDS);
                if (o instanceof Outcome.Refused r) {
                    throw r.toException();
                }
                return o;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SQLException sql) {
                    throw sql;
                }
                throw new SQLException("writing the meta range failed: " + e.getCause(), SqlStates.OUTCOME_UNKNOWN,
                        e.getCause());
            } catch (TimeoutException e) {
                if (closed || System.nanoTime() - deadline > 0) {
                    throw new SQLException("the meta range did not apply the write " + (closed ? "before the node closed"
                            : "within " + TimeUnit.NANOSECONDS.toSeconds(WRITE_TIMEOUT_NANOS) + " s")
                            + ": its outcome is unknown", SqlStates.OUTCOME_UNKNOWN, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted: the meta write's outcome is unknown", SqlStates.OUTCOME_UNKNOWN, e);
            }
        }
    }

    /** Stops the thread: it finishes the round it is in (a write in flight is abandoned) and waits no more. */
    @Override
    public void close() {
        closed = true;
        synchronized (pause) {
            pause.notifyAll();
        }
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "node " + node.id() + ": the meta reconciler did not stop within 10 s");
            }
        }
    }
}
