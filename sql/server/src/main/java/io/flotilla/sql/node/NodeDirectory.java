package io.flotilla.sql.node;

import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SqlStates;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The cluster's node directory: every node's id, Raft address and client (SQL) address, as the
 * nodes announced them, in table {@code NODES} of the meta range. It is replicated like any range
 * data, so every replica of the meta range knows a node that joined after the static
 * {@code --peers} lists were written.
 *
 * <p>Reads come from this node's replica and may be stale: they only guess where a leader's client
 * port is, and a wrong guess fails and is retried. Writes go through the meta range's leader.
 */
public final class NodeDirectory {

    static final String TABLE = "NODES";
    private static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE
            + "(NODE_ID BIGINT PRIMARY KEY, RAFT_ADDRESS VARCHAR(300) NOT NULL, SQL_ADDRESS VARCHAR(300) NOT NULL)";
    private static final long WRITE_TIMEOUT_SECONDS = 30;

    private final RangeReplica meta;
    /** One write at a time on this leader: the table's creation (a schema change) would roll back a concurrent one. */
    private final Object writes = new Object();
    private final SecureRandom sessionIds = new SecureRandom();
    private volatile Read cached = new Read(-1, Collections.emptySortedMap());

    /** What the replica held at one applied index: the directory changes rarely, so reads reuse it until then. */
    private record Read(long applied, SortedMap<Long, Peer> entries) {
    }

    private final Waits waits;

    NodeDirectory(RangeReplica meta, Waits waits) {
        this.meta = meta;
        this.waits = waits;
    }

    /** Every entry this node's replica of the meta range holds, by node id (empty if it holds none). */
    public SortedMap<Long, Peer> entries() throws SQLException {
        long applied = meta.applied();
        Read read = cached;
        if (read.applied() == applied) {
            return read.entries();
        }
        SortedMap<Long, Peer> entries = new TreeMap<>();
        try (Connection c = meta.store().connect()) {
            c.setReadOnly(true);
            if (exists(c)) {
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT NODE_ID, RAFT_ADDRESS, SQL_ADDRESS FROM " + TABLE);
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.put(rows.getLong(1), peer(rows.getLong(1), rows.getString(2), rows.getString(3)));
                    }
                }
            }
        }
        SortedMap<Long, Peer> readOnly = Collections.unmodifiableSortedMap(entries);
        // Labelled with the index read before the query: a later entry applied meanwhile only makes the next read refresh.
        cached = new Read(applied, readOnly);
        return readOnly;
    }

    public Optional<Peer> entry(long node) throws SQLException {
        return Optional.ofNullable(entries().get(node));
    }

    /** Whether this replica leads the meta range and may take {@link #record} now. */
    public boolean leads() {
        return meta.serving();
    }

    /**
     * Records a node's addresses through this replica, which must lead the meta range (else
     * {@link SqlStates#NOT_LEADER}). Writes nothing when the entry is already so: announcing the
     * same addresses again is free. Returns whether it wrote.
     */
    public boolean record(Peer peer) throws SQLException {
        synchronized (writes) {
            if (!meta.serving()) {
                throw new SQLException("range " + meta.range() + ": this replica does not lead it (or not yet)",
                        SqlStates.NOT_LEADER);
            }
            byte[] session = new byte[16];
            sessionIds.nextBytes(session);
            boolean created;
            try (Connection c = meta.store().connect()) {
                // A serving leader has applied every earlier entry: its own database says whether the table exists.
                created = exists(c);
            }
            try (RangeSession s = meta.session(session)) {
                if (!created) {
                    await(s.schemaChange(CREATE, 1));
                }
                boolean changed = s.run(c -> write(c, peer));
                if (!changed) {
                    s.rollback();
                    return false;
                }
                await(s.commit(2, 1));
                return true;
            }
        }
    }

    private static boolean write(Connection c, Peer peer) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(
                "SELECT RAFT_ADDRESS, SQL_ADDRESS FROM " + TABLE + " WHERE NODE_ID = ?")) {
            select.setLong(1, peer.id());
            try (ResultSet row = select.executeQuery()) {
                if (row.next() && peer.equals(peer(peer.id(), row.getString(1), row.getString(2)))) {
                    return false;
                }
            }
        }
        try (PreparedStatement merge = c.prepareStatement("MERGE INTO " + TABLE + " KEY(NODE_ID) VALUES (?, ?, ?)")) {
            merge.setLong(1, peer.id());
            merge.setString(2, Peer.format(peer.raft()));
            merge.setString(3, Peer.format(peer.sql()));
            merge.executeUpdate();
        }
        return true;
    }

    private static boolean exists(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = ?")) {
            s.setString(1, TABLE);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    private static Peer peer(long id, String raft, String sql) throws SQLException {
        try {
            return new Peer(id, Peer.address(raft), Peer.address(sql));
        } catch (IllegalArgumentException e) {
            throw new SQLException("the node directory's entry for node " + id + " is unreadable: " + e.getMessage(),
                    "XX000", e);
        }
    }

    /** Through the node's waits: in the whole-stack simulator a write waits in simulated time. */
    private Outcome await(CompletableFuture<Outcome> f) throws SQLException {
        try {
            Outcome o = waits.await(f, TimeUnit.SECONDS.toNanos(WRITE_TIMEOUT_SECONDS));
            if (o instanceof Outcome.Refused r) {
                throw r.toException();
            }
            return o;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLException("the node directory write failed: " + e.getCause(), SqlStates.OUTCOME_UNKNOWN,
                    e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("no answer from the meta range within " + WRITE_TIMEOUT_SECONDS + " s: the outcome of "
                    + "the node directory write is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted: the outcome of the node directory write is unknown",
                    SqlStates.OUTCOME_UNKNOWN, e);
        }
    }
}
