package io.flotilla.sql.node;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.statemachine.range.SqlStates;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the {@link NodeDirectory} true to this node: once the node has started, a thread of its own
 * compares the entry in this node's replica of the meta range with the addresses the node listens
 * on and, unless they agree, sends an {@link Announcement} until the meta range's leader recorded it
 * (or the node closes). A restarted node whose addresses did not change finds its entry and sends
 * nothing; a node that holds no replica of the meta range (one that joined) cannot tell, so it
 * announces at every start, and the leader writes only if the entry differs. The addresses it
 * announces are the advertised ones. A node that joined through seeds alone (no {@code --peers})
 * announces to them: the one it reaches records it if it leads the meta range, else names the
 * leader, and the announcer goes there.
 */
final class NodeAnnouncer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeAnnouncer.class.getName());
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Node node;
    private final Peer self;
    private final Thread thread;
    private volatile boolean closed;
    /** The connection in use, so that close() can cut a call that waits on a leader. */
    private volatile NodeConnection current;

    NodeAnnouncer(Node node, Peer self) {
        this.node = node;
        this.self = self;
        this.thread = new Thread(this::run, "flotilla-node-" + self.id() + "-announcer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long backoff = 50;
        long warnAt = System.nanoTime() + WARN_EVERY_NANOS;
        HostAddress leader = null;
        SQLException last = null;
        while (!closed) {
            try {
                if (node.directory().entry(self.id()).filter(self::equals).isPresent()) {
                    LOG.log(System.Logger.Level.DEBUG, "node {0}: the directory holds its addresses", self.id());
                    return;
                }
                for (HostAddress target : targets(leader)) {
                    if (closed) {
                        return;
                    }
                    Response answer;
                    try {
                        answer = send(target);
                    } catch (SQLException unreachable) {
                        last = unreachable;
                        continue;
                    }
                    if (!answer.hasError()) {
                        boolean wrote = answer.getExecute().getUpdate().getCount() > 0;
                        LOG.log(System.Logger.Level.INFO, "node {0}: {1} in the node directory (raft {2}, sql {3}) via {4}",
                                self.id(), wrote ? "recorded" : "already recorded", Peer.format(self.raft()),
                                Peer.format(self.sql()), target);
                        return;
                    }
                    Error e = answer.getError();
                    last = new SQLException(target + " refused the announcement: " + e.getMessage(), e.getSqlState());
                    if (SqlStates.NOT_LEADER.equals(e.getSqlState()) && e.hasLeader() && e.getLeader().getPort() > 0
                            && e.getLeader().getPort() <= 65535 && !e.getLeader().getHost().isEmpty()) {
                        // Told who leads: go there first next round.
                        leader = new HostAddress(e.getLeader().getHost(), e.getLeader().getPort());
                    }
                }
            } catch (SQLException e) {
                // This node's own directory or peers could not be read: try again after the pause.
                last = e;
            }
            if (System.nanoTime() > warnAt) {
                LOG.log(System.Logger.Level.WARNING, "node " + self.id() + ": not yet recorded in the node directory;"
                        + " other nodes cannot forward clients to it until it is", last);
                warnAt = System.nanoTime() + WARN_EVERY_NANOS;
            }
            pause(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    /**
     * The leader named last, then every node this one knows (itself included: it may lead the meta
     * range), then the seeds it joined through (which know the rest).
     */
    private Set<HostAddress> targets(HostAddress leader) throws SQLException {
        Set<HostAddress> out = new LinkedHashSet<>();
        if (leader != null) {
            out.add(leader);
        }
        for (Peer p : node.knownPeers().values()) {
            InetSocketAddress a = p.sql();
            out.add(new HostAddress(a.getHostString(), a.getPort()));
        }
        for (InetSocketAddress seed : node.config().seeds()) {
            out.add(new HostAddress(seed.getHostString(), seed.getPort()));
        }
        return out;
    }

    /** The node's answer (its refusal is an Error answer); throws if the node cannot be reached. */
    private Response send(HostAddress target) throws SQLException {
        byte[] session = new byte[16];
        new SecureRandom().nextBytes(session);
        Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(session))
                .setSessionStartedMillis(System.currentTimeMillis())
                .setClient("flotilla node " + self.id() + " announcing its addresses").build();
        try (NodeConnection c = NodeConnection.open(target, hello, 2_000, 60_000, 0)) {
            current = c;
            if (closed) {
                throw new SQLException("node " + self.id() + " is closing", SqlStates.UNAVAILABLE);
            }
            return c.call(Announcement.of(self));
        } finally {
            current = null;
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // close() interrupts to end the wait; the loop sees `closed`.
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** Stops announcing: cuts a call in flight and waits for the thread. */
    @Override
    public void close() {
        closed = true;
        NodeConnection c = current;
        if (c != null) {
            c.close();
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "node " + self.id() + ": the announcer did not stop within 10 s");
        }
    }
}
