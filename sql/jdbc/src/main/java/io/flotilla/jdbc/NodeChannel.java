package io.flotilla.jdbc;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.protocol.wire.NodeConnectionException;
import io.flotilla.protocol.wire.SqlErrors;
import io.flotilla.protocol.wire.SqlStates;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A session's link to the cluster: the current {@link NodeConnection}, the nodes it may move to,
 * and the retry loop that moves it. It knows nothing of transactions; the connection decides
 * which requests may be retried.
 */
final class NodeChannel {

    /** Restores session state (schema, isolation) on a fresh link before any request uses it. */
    interface LinkSetup {
        void prepare(NodeConnection link) throws SQLException;
    }

    private static final long MAX_BACKOFF_MILLIS = 1000;
    private static final String CLIENT_NAME = "flotilla-jdbc " + FlotillaDriver.VERSION;

    /** What a range keeps a session's last outcome for when a node does not say (the nodes' default). */
    private static final long DEFAULT_SESSION_TTL_MILLIS = TimeUnit.HOURS.toMillis(1);

    private final DriverConfig config;
    /** Read by cancel() from another thread while a call holds this channel's lock: never replaced during a call. */
    private volatile byte[] sessionId;
    private long sessionStartedMillis = System.currentTimeMillis();
    private long sessionTtlMillis = DEFAULT_SESSION_TTL_MILLIS;
    private final LinkSetup setup;
    /** The URL's hosts in order, then the nodes learned from HelloResults. */
    private final List<HostAddress> hosts;
    private volatile NodeConnection link;
    /** The current link's node, readable by cancel() while a call holds the link. */
    private volatile HostAddress linkAddress;
    private int nextHost;
    private final SuspectNodes suspects = SuspectNodes.SHARED;
    /** Bumped with every new link: cursors and transactions live within one link. */
    private volatile long epoch;
    private boolean readOnly;
    private int networkTimeoutMillis;

    NodeChannel(DriverConfig config, byte[] sessionId, LinkSetup setup) {
        this.config = config;
        this.sessionId = sessionId.clone();
        this.setup = setup;
        this.hosts = new ArrayList<>(config.hosts());
        this.readOnly = config.readOnly();
        this.networkTimeoutMillis = config.socketTimeoutMillis();
    }

    long epoch() {
        return epoch;
    }

    /** Not synchronized: cancel() asks while the statement's call holds the channel. */
    byte[] sessionId() {
        return sessionId.clone();
    }

    /**
     * Whether the range may have forgotten this session, or may by the time a write sent now
     * arrives: half its time-to-live has passed since the session began or since
     * {@code lastRecordedWriteMillis}, the last write the range answered. A write of a session the
     * range forgot is refused as of unknown outcome (it cannot tell it from a retry of a write
     * whose record expired), so the client renews the session first.
     */
    synchronized boolean sessionMayBeForgotten(long lastRecordedWriteMillis) {
        long since = Math.max(sessionStartedMillis, lastRecordedWriteMillis);
        return System.currentTimeMillis() - since > sessionTtlMillis / 2;
    }

    /**
     * Begins a new session under {@code newId}: the link is replaced, and the next request's Hello
     * names it. Only between statements, with no transaction open (a new statement closes the
     * node's cursors anyway); the session's settings follow to the new link as to any new link.
     */
    synchronized void renewSession(byte[] newId) {
        sessionId = newId.clone();
        sessionStartedMillis = System.currentTimeMillis();
        if (link != null) {
            link.close();
            link = null;
            linkAddress = null;
        }
    }

    HostAddress linkAddress() {
        return linkAddress;
    }

    synchronized List<HostAddress> knownHosts() {
        return List.copyOf(hosts);
    }

    /** The current link, connecting to the first reachable node if there is none. */
    synchronized NodeConnection link() throws SQLException {
        if (link == null || link.isBroken()) {
            connect(null, Long.MAX_VALUE);
        }
        return link;
    }

    /** Closes the current link; the next request opens a new one (and a new epoch). */
    synchronized void drop() {
        if (link != null) {
            HostAddress failed = link.address();
            link.close();
            link = null;
            linkAddress = null;
            int i = hosts.indexOf(failed);
            nextHost = i < 0 ? 0 : (i + 1) % hosts.size();
        }
    }

    /** Closes the current link without waiting for the call in progress, which then fails. */
    void abort() {
        NodeConnection l = link;
        if (l != null) {
            l.close();
        }
    }

    /** The Hello's read-only flag changes only with a new Hello, so the link is replaced. */
    synchronized void setReadOnly(boolean readOnly) {
        if (this.readOnly != readOnly) {
            this.readOnly = readOnly;
            if (link != null) {
                link.close();
                link = null;
                linkAddress = null;
            }
        }
    }

    synchronized void setNetworkTimeout(int millis) {
        networkTimeoutMillis = millis;
        if (link != null && !link.isBroken()) {
            link.setNetworkTimeout(millis);
        }
    }

    synchronized int networkTimeout() {
        return networkTimeoutMillis;
    }

    /** One attempt on the current link. An Error answer is returned; an I/O failure drops the link. */
    synchronized Response callOnce(Request.Builder request) throws SQLException {
        NodeConnection l = link();
        try {
            return l.call(request);
        } catch (NodeConnectionException e) {
            suspects.suspect(l.address());
            drop();
            throw e;
        }
    }

    /**
     * Sends the request, and after an I/O failure or a "not leader"/"unavailable" answer resends the
     * very same request (same sequence number) on another node: the leader the error named, else
     * the next host. Gives up at the deadline with the last failure. A network timeout is not
     * retried: the node may still be executing the request.
     */
    synchronized Response callWithFailover(Request.Builder request, long deadlineNanos) throws SQLException {
        HostAddress preferred = null;
        // Sent under a sequence and then lost, or answered "the leader could not tell": from then
        // on the outcome is unknown unless some node answers it, so giving up says 40003.
        boolean maybeApplied = false;
        boolean write = request.hasExecute() && request.getExecute().getSequence() > 0;
        for (int attempt = 0; ; attempt++) {
            SQLException failure;
            try {
                NodeConnection l = (preferred != null || link == null || link.isBroken())
                        ? connect(preferred, deadlineNanos) : link;
                Response response;
                try {
                    // Not bounded by the deadline: it bounds retrying after failures, and a statement
                    // may run longer than that. A node that cannot answer (one cut off with the
                    // minority) answers 08F02 or 08F03 by the budget it is sent.
                    response = l.call(withBudget(request, deadlineNanos));
                } catch (NodeConnectionException lost) {
                    maybeApplied |= write;
                    throw lost;
                }
                if (!response.hasError() || !SqlStates.isFailover(response.getError().getSqlState())) {
                    return response;
                }
                Error error = response.getError();
                failure = SqlErrors.toException(error);
                maybeApplied |= write && SqlStates.OUTCOME_AT_LEADER.equals(error.getSqlState());
                preferred = leaderOf(error);
                drop();
            } catch (NodeConnectionException e) {
                if (e.timedOut() && SqlStates.CONNECTION_FAILURE.equals(e.getSQLState())) {
                    drop();
                    throw e;
                }
                if (e.node() != null) {
                    suspects.suspect(e.node());
                }
                failure = e;
                preferred = null;
                drop();
            }
            // The first retry towards a named leader goes at once; blind retries back off.
            long backoffMillis = preferred != null && attempt == 0 ? 0
                    : Math.min(MAX_BACKOFF_MILLIS, 25L << Math.min(attempt, 6));
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) - deadlineNanos > 0) {
                throw maybeApplied
                        ? outcomeUnknown("no node could tell the outcome of the write before the failover deadline: "
                                + failure.getMessage(), failure)
                        : failure;
            }
            sleep(backoffMillis, failure);
        }
    }

    /**
     * Tells the node how long this call still waits, so that its waits on the cluster end in time
     * for the answer to arrive before the deadline (it used to answer up to two election timeouts
     * after an attempt began, which could be past the deadline).
     */
    private static Request.Builder withBudget(Request.Builder request, long deadlineNanos) {
        if (deadlineNanos == Long.MAX_VALUE) {
            return request.clearFailoverBudgetMillis();
        }
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        return request.setFailoverBudgetMillis((int) Math.max(1, Math.min(Integer.MAX_VALUE, leftMillis)));
    }

    private static SQLTransactionRollbackException outcomeUnknown(String message, SQLException cause) {
        return new SQLTransactionRollbackException(message, SqlStates.OUTCOME_UNKNOWN, cause);
    }

    /**
     * Opens a link, trying the preferred node first, then every known node once starting after the
     * one that failed last.
     */
    private NodeConnection connect(HostAddress preferred, long deadlineNanos) throws SQLException {
        if (link != null) {
            link.close();
            link = null;
            linkAddress = null;
        }
        List<HostAddress> candidates = new ArrayList<>();
        if (preferred != null) {
            candidates.add(preferred);
            if (!hosts.contains(preferred)) {
                hosts.add(preferred);
            }
        }
        for (int i = 0; i < hosts.size(); i++) {
            HostAddress h = hosts.get((nextHost + i) % hosts.size());
            if (!candidates.contains(h)) {
                candidates.add(h);
            }
        }
        suspects.trustedFirst(candidates);
        Hello hello = hello();
        NodeConnectionException last = null;
        List<NodeConnectionException> failures = new ArrayList<>();
        for (HostAddress candidate : candidates) {
            // A failover's deadline bounds its connects too: past it, the candidates left are not
            // tried (one is, whatever the time, so that a connect always has a failure to report).
            long leftMillis = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE
                    : TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (leftMillis <= 0 && last != null) {
                break;
            }
            int connectTimeout = (int) Math.max(1, Math.min(config.connectTimeoutMillis() == 0 ? Long.MAX_VALUE
                    : config.connectTimeoutMillis(), Math.min(Integer.MAX_VALUE, leftMillis)));
            NodeConnection c = null;
            try {
                c = NodeConnection.open(candidate, hello, connectTimeout, networkTimeoutMillis, config.linkTimeoutMillis());
                learn(c);
                setup.prepare(c);
                link = c;
                linkAddress = candidate;
                suspects.trust(candidate);
                epoch++;
                nextHost = Math.max(0, hosts.indexOf(candidate));
                return c;
            } catch (NodeConnectionException e) {
                if (c != null) {
                    c.close();
                }
                suspects.suspect(candidate);
                last = e;
                failures.add(e);
            } catch (SQLException e) {
                if (c != null) {
                    c.close();
                }
                throw e;
            }
        }
        NodeConnectionException e = new NodeConnectionException("no Flotilla node reachable among " + candidates
                + (last != null ? "; last failure: " + last.getMessage() : ""),
                SqlStates.UNABLE_TO_CONNECT, last != null ? last.node() : null, false, last);
        for (NodeConnectionException f : failures) {
            if (f != last) {
                e.addSuppressed(f);
            }
        }
        throw e;
    }

    private Hello hello() {
        return Hello.newBuilder()
                .setSessionId(ByteString.copyFrom(sessionId))
                .setSessionStartedMillis(sessionStartedMillis)
                .setDatabase(config.database())
                .setReadOnly(readOnly)
                .setClient(CLIENT_NAME)
                .build();
    }

    /**
     * Moves the link to {@code node} (the leader a forwarding node named) when nothing lives on the
     * current one: the caller knows no transaction or cursor is open. Keeps the current link if the
     * node cannot be reached; the next failure moves on as usual.
     */
    synchronized void moveTo(NodeAddress node) {
        HostAddress target = toHost(node);
        if (target == null || target.equals(linkAddress) || suspects.isSuspect(target)) {
            return;
        }
        NodeConnection c = null;
        try {
            c = NodeConnection.open(target, hello(), config.connectTimeoutMillis(), networkTimeoutMillis,
                    config.linkTimeoutMillis());
            learn(c);
            setup.prepare(c);
        } catch (SQLException e) {
            if (c != null) {
                c.close();
            }
            return;
        }
        if (!hosts.contains(target)) {
            hosts.add(target);
        }
        NodeConnection previous = link;
        link = c;
        linkAddress = target;
        epoch++;
        nextHost = hosts.indexOf(target);
        if (previous != null) {
            previous.close();
        }
    }

    /** Remembers every node the cluster reports, so failover works beyond the URL's list. */
    private void learn(NodeConnection c) {
        if (c.helloResult().getSessionTtlMillis() > 0) {
            sessionTtlMillis = c.helloResult().getSessionTtlMillis();
        }
        for (NodeAddress a : c.helloResult().getClusterList()) {
            HostAddress h = toHost(a);
            if (h != null && !hosts.contains(h)) {
                hosts.add(h);
            }
        }
    }

    private static HostAddress leaderOf(Error error) {
        return error.hasLeader() ? toHost(error.getLeader()) : null;
    }

    private static HostAddress toHost(NodeAddress a) {
        if (a.getHost().isEmpty() || a.getPort() == 0 || a.getPort() > 65535) {
            return null;
        }
        return new HostAddress(a.getHost(), a.getPort());
    }

    private static void sleep(long millis, SQLException failure) throws SQLException {
        if (millis == 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.addSuppressed(e);
            throw failure;
        }
    }
}
