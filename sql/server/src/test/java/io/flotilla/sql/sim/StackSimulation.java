package io.flotilla.sql.sim;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.host.GroupFailure;
import io.flotilla.sql.nemesis.RegisterChecker;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Peer;
import io.flotilla.statemachine.changes.ContentDigest;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.DeliberateBug;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SqlStates;
import io.flotilla.statemachine.range.TableName;
import io.flotilla.statemachine.store.StoreOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.h2.value.ValueInteger;

/**
 * One seed of the whole-stack simulation: three production nodes ({@link Node}, assembled as a
 * real one is: host loop, replicas, ranges on H2, the node's client sessions) on threads the
 * scheduler runs one at a time, a seeded network, disk and clocks; clients running bank transfers,
 * acknowledged inserts and abandoned transactions on the range's sessions, and registers through
 * the node server's sessions (forwarded to the leader from followers); a nemesis that crashes and
 * restarts nodes, cuts links, moves leadership, compacts logs and adds a node. Then everything
 * heals, the replicas converge, and the end state is checked against what the clients were told.
 */
final class StackSimulation implements AutoCloseable {

    private static final long MS = 1_000_000L;
    /** How long the range keeps a session's last outcome: short, so that expiry happens within a run. */
    static final Duration SESSION_TTL = Duration.ofMillis(500);

    final Scheduler scheduler;
    final SimThreads threads;
    final History history = new History();
    /** The register clients' operations, checked for linearizability at the end. */
    private final List<RegisterChecker.Op> registerOps = new ArrayList<>();
    private final List<NodeClient> nodeClients = new ArrayList<>();
    private final long seed;
    private final Path root;
    private final SimNetwork network;
    private final Map<Long, SimNode> nodes = new TreeMap<>();
    private final List<SimClient> clients = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Set<String> reported = new java.util.HashSet<>();
    private int faults;
    /** Whether node 4 was started and asked to join as a learner. */
    private boolean joined;
    /** Whether a write of node 4's entry in the node directory is under way. */
    private boolean recordingJoiner;
    private int membershipChanges;
    /** Registers whose history the checker could not decide within its bound of states. */
    private int inconclusive;
    /** The replicas' row digest at the end (they are equal, or that is a violation). */
    private String digest = "";

    StackSimulation(long seed, Set<DeliberateBug> bugs) throws IOException {
        this.seed = seed;
        this.scheduler = new Scheduler(seed);
        this.threads = new SimThreads(scheduler);
        this.network = new SimNetwork(scheduler, this::violation);
        SimPeerLinks peers = new SimPeerLinks(scheduler, threads, network, nodes);
        this.root = Files.createTempDirectory("flotilla-stack-sim-" + seed + "-");
        RangeReplica.Options options = RangeReplica.Options.defaults()
                .withStore(StoreOptions.deterministic())
                // Sessions idle for half a second are forgotten, so expiry happens within a run.
                .withSessionExpiry(SESSION_TTL, 64)
                .withDeliberateBugs(bugs);
        SortedMap<Long, Peer> initial = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            initial.put(id, SimNode.peer(id));
        }
        for (long id = 1; id <= 4; id++) {
            // Node 4 starts empty and outside the groups (it joins): the nemesis adds it to the
            // data range as a learner and promotes it once it caught up, as an operator would.
            SimNode node = new SimNode(id, scheduler, network, threads, peers, root.resolve("node-" + id), options,
                    initial, id == 4);
            nodes.put(id, node);
            network.attach(node);
        }
    }

    void violation(String what) {
        if (violations.size() < 20 && reported.add(what)) {
            violations.add("t=" + scheduler.now() / MS + "ms " + what);
        }
    }

    /** The nodes that are part of the cluster: the initial three, and the fourth once it joined. */
    private List<SimNode> members() {
        return nodes.values().stream().filter(n -> n.id <= 3 || joined).toList();
    }

    List<SimNode> nodesInRandomOrder() {
        List<SimNode> all = new ArrayList<>(members());
        for (int i = all.size() - 1; i > 0; i--) {
            int j = scheduler.random.nextInt(i + 1);
            SimNode t = all.get(i);
            all.set(i, all.get(j));
            all.set(j, t);
        }
        return all;
    }

    /** Runs the seed; returns what went wrong (nothing, if it passed). */
    List<String> run(Duration workload) {
        members().forEach(SimNode::start);
        if (!setUp()) {
            violation("the schema could not be created within 20 s with no fault injected");
            return finish();
        }
        int id = 1;
        for (int i = 0; i < 2; i++) {
            clients.add(new BankClient(id++, this));
        }
        for (int i = 0; i < 2; i++) {
            clients.add(new InsertClient(id++, this));
        }
        clients.add(new AbandonClient(id++, this));
        clients.forEach(SimClient::start);
        nodeClients.add(new SchemaClient(id++, this));
        for (int i = 0; i < 2; i++) {
            nodeClients.add(new RegisterClient(id++, this, registerOps));
        }
        nodeClients.add(new SplitClient(id++, this));
        for (int i = 0; i < 2; i++) {
            nodeClients.add(new TransferClient(id++, this));
        }
        nodeClients.forEach(NodeClient::start);
        long end = scheduler.now() + workload.toNanos();
        scheduleFault(end);
        scheduler.runUntil(end);
        clients.forEach(c -> c.stopped = true);
        nodeClients.forEach(c -> c.stopped = true);
        heal();
        // What was in flight settles; then the replicas must converge.
        scheduler.runUntil(scheduler.now() + 2_000 * MS);
        if (!converge(20_000 * MS)) {
            failures();
            violation("the replicas did not converge within 20 s after every fault healed: " + positions());
        } else {
            check();
        }
        return finish();
    }

    String digest() {
        return digest;
    }

    long steps() {
        return scheduler.steps();
    }

    /** Transfers across ranges acknowledged to their clients. */
    long crossRangeCommits() {
        return history.count(history.ledgerTransfers, SimClient.Fate.APPLIED);
    }

    /** Ledger totals read whole across ranges, and refused (40001) for want of a cut. */
    long[] ledgerTotals() {
        return new long[] {history.ledgerTotals, history.ledgerTotalsRefused};
    }

    /** Splits of the data range acknowledged to the split client. */
    int splits() {
        return history.splits;
    }

    /** Schema changes fanned out to the ranges of a split table (the longest range's schema log). */
    int fannedOut() {
        return history.schemaLogs;
    }

    int faults() {
        return faults;
    }

    private List<String> finish() {
        failures();
        return violations;
    }

    /** A replica that failed, or did not start, is a violation whatever else happened. */
    private void failures() {
        for (SimNode node : nodes.values()) {
            if (node.startFailure != null) {
                violation(node.startFailure);
                node.startFailure = null;
            }
            if (node.host() != null) {
                Set<Long> ranges = new TreeSet<>(List.of(Node.META_RANGE, Node.DATA_RANGE));
                if (node.node() != null) {
                    ranges.addAll(node.node().replicas().keySet());
                }
                for (long range : ranges) {
                    node.host().failure(range).map(GroupFailure::reason)
                            .ifPresent(reason -> violation("node " + node.id + " failed: " + reason));
                }
            }
        }
        for (Throwable t : threads.failures()) {
            StringBuilder where = new StringBuilder();
            StackTraceElement[] stack = t.getStackTrace();
            for (int i = 0; i < Math.min(4, stack.length); i++) {
                where.append(i == 0 ? " at " : " < ").append(stack[i]);
            }
            violation("a simulated thread failed: " + t + where);
        }
    }

    // ------------------------------------------------------------------ setup

    private boolean setUp() {
        List<String> ddl = new ArrayList<>(new TreeSet<>(BankClient.schema()));
        ddl.add(InsertClient.schema());
        ddl.add(SchemaClient.schema());
        ddl.add(RegisterClient.schema().get(0));
        // After the registers: the ledger's keys come last, so its split leaves the other tables' ranges be.
        ddl.addAll(TransferClient.schema());
        StringBuilder accounts = new StringBuilder("INSERT INTO ACCOUNTS VALUES ");
        for (int a = 0; a < BankClient.ACCOUNTS; a++) {
            accounts.append(a == 0 ? "" : ", ").append("(").append(a).append(", ").append(BankClient.OPENING_BALANCE).append(")");
        }
        long deadline = scheduler.now() + 20_000 * MS;
        int done = 0;
        long sequence = 0;
        byte[] session = {0x5E, 0x70, 0};
        // Dated when first used: a range takes an unknown session's writes for new only while it is young.
        long started = 0;
        while (done <= ddl.size() && scheduler.now() < deadline) {
            scheduler.runUntil(scheduler.now() + 20 * MS);
            SimNode leader = serving();
            if (leader == null) {
                continue;
            }
            if (started == 0) {
                started = 1_700_000_000_000L + scheduler.now() / MS;
            }
            try {
                RangeSession s = leader.replica().session(session, started);
                CompletableFuture<Outcome> step;
                if (done < ddl.size()) {
                    step = s.schemaChange(ddl.get(done), ++sequence);
                } else {
                    s.run(c -> {
                        try (Statement st = c.createStatement()) {
                            st.executeUpdate(accounts.toString());
                            st.executeUpdate(TransferClient.rows());
                            return st.executeUpdate(RegisterClient.schema().get(1));
                        }
                    });
                    step = s.commit(++sequence);
                }
                long until = scheduler.now() + 2_000 * MS;
                while (!step.isDone() && scheduler.now() < until) {
                    scheduler.runUntil(scheduler.now() + MS);
                }
                if (step.isDone() && !step.isCompletedExceptionally() && step.join() instanceof Outcome.Applied) {
                    done++;
                } else if (step.isDone() && !step.isCompletedExceptionally() && step.join() instanceof Outcome.Refused r
                        && r.sqlState().equals(SqlStates.OUTCOME_UNKNOWN)) {
                    // The session grew older than the time-to-live while the step waited: a new one.
                    session[2]++;
                    sequence = 0;
                    started = 1_700_000_000_000L + scheduler.now() / MS;
                }
                s.close();
            } catch (SQLException e) {
                // Leadership moved under the set-up: ask the next leader.
            }
        }
        return done > ddl.size();
    }

    private SimNode serving() {
        for (SimNode node : nodes.values()) {
            if (node.up() && node.replica().serving()) {
                return node;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ nemesis

    private void scheduleFault(long end) {
        scheduler.after(scheduler.millis(100, 500), () -> {
            if (scheduler.now() < end) {
                fault();
                scheduleFault(end);
            }
        });
    }

    private void fault() {
        faults++;
        SimNode node = nodesInRandomOrder().get(0);
        boolean anyDown = members().stream().anyMatch(n -> !n.up());
        switch (scheduler.random.nextInt(7)) {
            case 0 -> {
                if (!anyDown) {
                    node.crash();
                    scheduler.after(scheduler.millis(50, 800), node::restart);
                }
            }
            case 1 -> {
                network.isolate(node.id);
                scheduler.after(scheduler.millis(100, 1200), network::heal);
            }
            case 2 -> {
                SimNode other = nodesInRandomOrder().stream().filter(n -> n != node).findFirst().orElseThrow();
                network.cut(node.id, other.id);
                scheduler.after(scheduler.millis(100, 800), network::heal);
            }
            case 3 -> {
                SimNode leader = serving();
                if (leader != null && node != leader && node.up()) {
                    leader.host().inspect(SimNode.RANGE, (Raft r) -> r.transferLeadership(node.id));
                }
            }
            case 4 -> {
                if (node.up()) {
                    node.host().compact(SimNode.RANGE);
                }
            }
            case 5 -> changeMembership(true);
            default -> {
                network.lossRate = 0.3;
                scheduler.after(scheduler.millis(50, 400), () -> network.lossRate = 0.01);
            }
        }
    }

    /**
     * Node 4 joins: started empty, added as a learner by the leader, promoted to voter once the
     * leader sees it caught up (the core refuses a learner too far behind); and, when {@code
     * mayRemove}, a voter node 4 is sometimes removed again (it keeps running, outside the group,
     * until it is added back). Each step is one ordinary membership change through the leader,
     * which may refuse it (a change pending, a leader not ready): the nemesis tries again at its
     * next turn.
     */
    private void changeMembership(boolean mayRemove) {
        SimNode leader = serving();
        if (leader == null) {
            return;
        }
        SimNode joiner = nodes.get(4L);
        if (!joined) {
            joined = true;
            joiner.start();
        }
        if (!inDirectory(leader)) {
            // As a joining node announces itself before an operator adds it: the other nodes find
            // its client port in the node directory (a part prepared on a range it leads is
            // resolved through it).
            recordJoiner();
            return;
        }
        boolean removal = scheduler.random.nextInt(3) == 0;
        leader.host().inspect(SimNode.RANGE, (Raft r) -> {
            Membership m = r.membership();
            if (!m.voters().contains(4L) && !m.learners().contains(4L)) {
                return r.changeMembership(Membership.of(m.voters(), Set.of(4L)));
            }
            if (m.learners().contains(4L)) {
                return r.changeMembership(Membership.of(new TreeSet<>(union(m.voters(), 4L)), Set.of()));
            }
            if (mayRemove && removal) {
                Set<Long> voters = new TreeSet<>(m.voters());
                voters.remove(4L);
                return r.changeMembership(Membership.of(voters, Set.of()));
            }
            return null;
        }).thenAccept(p -> {
            if (p instanceof Proposal.Appended) {
                membershipChanges++;
            }
        });
    }

    private static boolean inDirectory(SimNode n) {
        try {
            return n.node().directory().entry(4L).isPresent();
        } catch (SQLException e) {
            return false;
        }
    }

    /** Records node 4 in the node directory through the meta range's leader, on a thread of that node's. */
    private void recordJoiner() {
        if (recordingJoiner) {
            return;
        }
        for (SimNode n : members()) {
            if (n.running() && n.node().directory().leads()) {
                recordingJoiner = true;
                threads.spawn("record-node-4", () -> {
                    threads.inside(n.incarnationKey(), () -> {
                        try {
                            return n.node().directory().record(SimNode.peer(4L));
                        } catch (SQLException e) {
                            return false; // the nemesis asks again at its next turn
                        }
                    });
                    recordingJoiner = false;
                });
                return;
            }
        }
    }

    private static Set<Long> union(Set<Long> voters, long node) {
        Set<Long> all = new TreeSet<>(voters);
        all.add(node);
        return all;
    }

    private void heal() {
        network.heal();
        network.lossRate = 0;
        network.duplicateRate = 0;
        members().forEach(SimNode::restart);
    }

    // ------------------------------------------------------------------ convergence and checks

    private boolean converge(long within) {
        long deadline = scheduler.now() + within;
        while (scheduler.now() < deadline) {
            scheduler.runUntil(scheduler.now() + 50 * MS);
            if (joined) {
                // A join the faults interrupted is finished now, as an operator would finish it.
                changeMembership(false);
            }
            SimNode leader = serving();
            if (leader == null) {
                continue;
            }
            long applied = leader.replica().applied();
            if (members().stream().allMatch(n -> n.up() && n.replica().applied() == applied) && splitRangesSettled()) {
                // Settled for a while: nothing more is on its way.
                scheduler.runUntil(scheduler.now() + 500 * MS);
                long again = leader.replica().applied();
                if (members().stream().allMatch(n -> n.up() && n.replica().applied() == again) && splitRangesSettled()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The ranges splits made, by id, each with the replicas members hold of it (none the node did not get yet). */
    private Map<Long, Map<Long, RangeReplica>> splitRanges() {
        Map<Long, Map<Long, RangeReplica>> ranges = new TreeMap<>();
        for (SimNode n : members()) {
            if (!n.up()) {
                continue;
            }
            for (Map.Entry<Long, RangeReplica> e : n.node().replicas().entrySet()) {
                if (e.getKey() != Node.META_RANGE && e.getKey() != Node.DATA_RANGE) {
                    ranges.computeIfAbsent(e.getKey(), r -> new TreeMap<>()).put(n.id, e.getValue());
                }
            }
        }
        return ranges;
    }

    /** Every range a split made is held by at least three members, all at the same applied index. */
    private boolean splitRangesSettled() {
        for (Map<Long, RangeReplica> holders : splitRanges().values()) {
            if (holders.size() < 3 || holders.values().stream().mapToLong(RangeReplica::applied).distinct().count() != 1
                    || holders.values().stream().anyMatch(r -> r.bounds().isEmpty())) {
                return false;
            }
        }
        return nothingPrepared();
    }

    /**
     * No replica of a member holds a prepared part of a transaction across ranges: the clients'
     * commits resolved theirs, and recovery the ones a fault cut off from their coordinator.
     */
    private boolean nothingPrepared() {
        for (SimNode n : members()) {
            if (!n.up()) {
                continue;
            }
            for (RangeReplica r : n.node().replicas().values()) {
                try {
                    if (!r.preparedParts().isEmpty()) {
                        return false;
                    }
                } catch (SQLException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The ledger across its ranges (node 1's replicas): its total unchanged, each account at its
     * opening balance plus its logged transfers, each acknowledged transfer logged, none refused.
     */
    private void checkLedger() throws SQLException {
        Map<Integer, Long> balances = new TreeMap<>();
        Map<Long, long[]> logged = new HashMap<>();
        for (Map.Entry<Long, RangeReplica> e : nodes.get(1L).node().replicas().entrySet()) {
            if (e.getKey() == Node.META_RANGE) {
                continue;
            }
            if (!e.getValue().preparedParts().isEmpty()) {
                violation("range " + e.getKey() + " still holds prepared parts after everything settled: "
                        + e.getValue().preparedParts().size());
            }
            try (Connection c = e.getValue().store().connect(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT ID, BALANCE FROM LEDGER")) {
                    while (rs.next()) {
                        if (balances.put(rs.getInt(1), rs.getLong(2)) != null) {
                            violation("ledger account " + rs.getInt(1) + " is in two ranges");
                        }
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT ID, SOURCE, TARGET, AMOUNT FROM LEDGER_LOG")) {
                    while (rs.next()) {
                        logged.put(rs.getLong(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
                    }
                }
            }
        }
        Map<Integer, Long> expected = new TreeMap<>();
        for (int a = 0; a < TransferClient.ACCOUNTS; a++) {
            expected.put(a, TransferClient.OPENING_BALANCE);
        }
        for (long[] t : logged.values()) {
            expected.merge((int) t[0], -t[2], Long::sum);
            expected.merge((int) t[1], t[2], Long::sum);
        }
        if (!balances.equals(expected)) {
            violation("the ledger holds " + balances + " but its logged transfers make " + expected
                    + " (a transfer across ranges applied in part)");
        }
        history.ledgerTransfers.forEach((id, fate) -> {
            if (fate == SimClient.Fate.APPLIED && !logged.containsKey(id)) {
                violation("acknowledged transfer across ranges " + id + " is missing");
            } else if (fate == SimClient.Fate.NOT_APPLIED && logged.containsKey(id)) {
                violation("transfer across ranges " + id + " was reported as not applied but is there");
            }
        });
    }

    private String positions() {
        Map<Long, CompletableFuture<String>> cores = new TreeMap<>();
        for (SimNode n : nodes.values()) {
            if (n.up()) {
                cores.put(n.id, n.host().inspect(SimNode.RANGE, (Raft r) -> r.role() + " term " + r.term() + " commit "
                        + r.committed() + " last " + r.lastIndex() + " first " + r.firstIndex() + " progress " + r.progress()));
            }
        }
        scheduler.runUntil(scheduler.now() + 10 * MS);
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Long, Map<Long, RangeReplica>> range : splitRanges().entrySet()) {
            out.append(" range ").append(range.getKey()).append(':');
            Map<Long, CompletableFuture<String>> states = new TreeMap<>();
            for (long node : range.getValue().keySet()) {
                states.put(node, nodes.get(node).host().inspect(range.getKey(), (Raft r) -> r.role() + " term " + r.term()
                        + " commit " + r.committed() + " members " + r.membership() + " progress " + r.progress()));
            }
            scheduler.runUntil(scheduler.now() + 10 * MS);
            range.getValue().forEach((node, r) -> out.append(" node ").append(node).append(" applied ").append(r.applied())
                    .append(r.bounds().isEmpty() ? " (no bounds)" : "").append(" [")
                    .append(states.get(node).isDone() && !states.get(node).isCompletedExceptionally()
                            ? states.get(node).join() : "no answer").append("]"));
        }
        for (SimNode n : nodes.values()) {
            out.append(" node ").append(n.id).append(n.up() ? " applied " + n.replica().applied() : " down")
                    .append(n.up() && n.replica().serving() ? " (serving)" : "");
            CompletableFuture<String> core = cores.get(n.id);
            if (core != null) {
                out.append(" [").append(core.isDone() && !core.isCompletedExceptionally() ? core.join() : "no answer").append("]");
            }
        }
        return out.toString();
    }

    private void check() {
        Map<Long, String> digests = new TreeMap<>();
        for (SimNode n : members()) {
            try (Connection c = n.replica().store().connect()) {
                digests.put(n.id, ContentDigest.ofRows(c));
                if (n.id == 1) {
                    checkContent(c);
                }
            } catch (SQLException e) {
                violation("node " + n.id + ": reading its rows failed: " + e);
            }
        }
        digest = digests.values().iterator().next();
        if (new TreeSet<>(digests.values()).size() != 1) {
            violation("replicas differ at applied index " + nodes.get(1L).replica().applied() + ": " + digests);
        }
        for (Map.Entry<Long, Map<Long, RangeReplica>> range : splitRanges().entrySet()) {
            Map<Long, String> of = new TreeMap<>();
            for (Map.Entry<Long, RangeReplica> holder : range.getValue().entrySet()) {
                try (Connection c = holder.getValue().store().connect()) {
                    of.put(holder.getKey(), ContentDigest.ofRows(c));
                } catch (SQLException e) {
                    violation("node " + holder.getKey() + ": reading range " + range.getKey() + "'s rows failed: " + e);
                }
            }
            if (new TreeSet<>(of.values()).size() != 1) {
                violation("replicas of range " + range.getKey() + " differ: " + of);
            }
        }
        checkSchemaLogs();
        try {
            checkLedger();
        } catch (SQLException e) {
            violation("reading the ledger failed: " + e);
        }
    }

    /**
     * Every data range ran the schema changes of the first data range's log in its order: its own
     * log is a prefix of the first's (a fan-out cut short by a fault leaves a range behind, never
     * out of order).
     */
    private void checkSchemaLogs() {
        Map<Long, List<String>> logs = new TreeMap<>();
        for (Map.Entry<Long, RangeReplica> e : nodes.get(1L).node().replicas().entrySet()) {
            if (e.getKey() == Node.META_RANGE) {
                continue;
            }
            List<String> log = new ArrayList<>();
            try (Connection c = e.getValue().store().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SEQ, SCHEMA_NAME, SQL FROM FLOTILLA.SCHEMA_LOG ORDER BY SEQ")) {
                while (rs.next()) {
                    log.add(rs.getLong(1) + " " + rs.getString(2) + " " + rs.getString(3));
                }
            } catch (SQLException ex) {
                violation("range " + e.getKey() + ": reading its schema log failed: " + ex);
            }
            logs.put(e.getKey(), log);
        }
        List<String> first = logs.get(Node.DATA_RANGE);
        for (Map.Entry<Long, List<String>> log : logs.entrySet()) {
            List<String> mine = log.getValue();
            if (first == null || mine.size() > first.size() || !first.subList(0, mine.size()).equals(mine)) {
                violation("range " + log.getKey() + "'s schema log " + mine + " is no prefix of the first data range's " + first);
            }
            for (int i = 0; i < mine.size(); i++) {
                if (!mine.get(i).startsWith((i + 1) + " ")) {
                    violation("range " + log.getKey() + "'s schema log has a gap: " + mine);
                    break;
                }
            }
        }
        history.schemaLogs = logs.values().stream().mapToInt(List::size).max().orElse(0);
    }

    /**
     * The registers' rows as every range of node 1 holds them: each register in exactly one range,
     * the one whose span holds its key, and nowhere else.
     */
    private Map<Integer, Long> registers() throws SQLException {
        Map<Integer, Long> values = new TreeMap<>();
        Node node = nodes.get(1L).node();
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            if (e.getKey() == Node.META_RANGE) {
                continue;
            }
            KeySpan span = e.getValue().bounds().orElseThrow().span();
            long table = e.getValue().tableIds().get(new TableName("PUBLIC", "REGISTERS"));
            try (Connection c = e.getValue().store().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT K, V FROM REGISTERS")) {
                while (rs.next()) {
                    int k = rs.getInt(1);
                    if (!span.contains(KeyEncoding.rowKey(table, ValueInteger.get(k)))) {
                        violation("register " + k + " is in range " + e.getKey() + ", whose span " + span + " does not hold it");
                    }
                    if (values.put(k, rs.getLong(2)) != null) {
                        violation("register " + k + " is in two ranges");
                    }
                }
            }
        }
        if (!values.keySet().equals(Set.of(0, 1))) {
            violation("the registers are " + values.keySet() + " across the ranges, not [0, 1]");
        }
        return values;
    }

    private void checkContent(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            long total = single(s, "SELECT SUM(BALANCE) FROM ACCOUNTS");
            if (total != BankClient.ACCOUNTS * BankClient.OPENING_BALANCE) {
                violation("the accounts hold " + total + " in all");
            }
            Map<Long, Long> logged = new HashMap<>();
            Map<Integer, Long> expected = new TreeMap<>();
            for (int a = 0; a < BankClient.ACCOUNTS; a++) {
                expected.put(a, BankClient.OPENING_BALANCE);
            }
            try (ResultSet rs = s.executeQuery("SELECT ID, SOURCE, TARGET, AMOUNT FROM TRANSFERS")) {
                while (rs.next()) {
                    logged.put(rs.getLong(1), rs.getLong(4));
                    expected.merge(rs.getInt(2), -rs.getLong(4), Long::sum);
                    expected.merge(rs.getInt(3), rs.getLong(4), Long::sum);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT ID, BALANCE FROM ACCOUNTS")) {
                while (rs.next()) {
                    if (expected.get(rs.getInt(1)) != rs.getLong(2)) {
                        violation("account " + rs.getInt(1) + " holds " + rs.getLong(2) + " but its logged transfers make "
                                + expected.get(rs.getInt(1)));
                    }
                }
            }
            history.transfers.forEach((id, fate) -> {
                if (fate == SimClient.Fate.APPLIED && !logged.containsKey(id)) {
                    violation("acknowledged transfer " + id + " is missing");
                } else if (fate == SimClient.Fate.NOT_APPLIED && logged.containsKey(id)) {
                    violation("transfer " + id + " was reported as not applied but is there");
                }
            });
            Map<Long, Long> tags = new HashMap<>();
            try (ResultSet rs = s.executeQuery("SELECT TAG, COUNT(*) FROM EVENTS GROUP BY TAG")) {
                while (rs.next()) {
                    tags.put(rs.getLong(1), rs.getLong(2));
                }
            }
            tags.forEach((tag, count) -> {
                if (count > 1) {
                    violation("insert " + tag + " applied " + count + " times");
                }
            });
            checkRegisters(s);
            history.inserts.forEach((tag, fate) -> {
                if (fate == SimClient.Fate.APPLIED && !tags.containsKey(tag)) {
                    violation("acknowledged insert " + tag + " is missing");
                } else if (fate == SimClient.Fate.NOT_APPLIED && tags.containsKey(tag)) {
                    violation("insert " + tag + " was reported as not applied but is there");
                }
            });
        }
    }

    /**
     * The register operations, with the registers' values at the end as a last read each, must be
     * linearizable: no read sees a value older than one an earlier operation had seen or written.
     */
    private void checkRegisters(Statement s) throws SQLException {
        List<RegisterChecker.Op> all = new ArrayList<>(settledRegisterOps());
        for (Map.Entry<Integer, Long> r : registers().entrySet()) {
            all.add(RegisterChecker.Op.read(0, r.getKey(), r.getValue(), scheduler.now(), scheduler.now()));
        }
        for (RegisterChecker.Verdict v : RegisterChecker.check(all, 0, 2_000_000)) {
            if (v.status() == RegisterChecker.Status.NOT_LINEARIZABLE) {
                violation("register " + v.key() + " is not linearizable: " + v.explanation());
                if (Boolean.getBoolean("flotilla.stack.printHistory")) {
                    all.stream().filter(o -> o.key() == v.key())
                            .sorted(Comparator.comparingLong(RegisterChecker.Op::invokedNanos))
                            .forEach(o -> System.out.println("  " + o));
                }
            } else if (v.status() == RegisterChecker.Status.INCONCLUSIVE) {
                inconclusive++;
            }
        }
    }

    /** The register operations that may have had an effect (those certainly not applied are null). */
    private List<RegisterChecker.Op> settledRegisterOps() {
        return registerOps.stream().filter(Objects::nonNull).toList();
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    String summary() {
        return "transfers " + history.count(history.transfers, SimClient.Fate.APPLIED) + " applied / "
                + history.transfers.size() + ", inserts " + history.count(history.inserts, SimClient.Fate.APPLIED)
                + " applied / " + history.inserts.size() + ", schema changes " + history.schemaChanges + " ("
                + history.schemaLogs + " fanned out), splits " + history.splits + ", transfers across ranges "
                + history.count(history.ledgerTransfers, SimClient.Fate.APPLIED) + " applied / "
                + history.ledgerTransfers.size() + ", ledger totals read " + history.ledgerTotals + " (refused "
                + history.ledgerTotalsRefused + "), faults " + faults
                + ", membership changes " + membershipChanges + ", terms " + network.leaderTerms()
                + ", register operations " + settledRegisterOps().size() + " ("
                + settledRegisterOps().stream().filter(o -> !o.outcomeKnown()).count()
                + " unknown, " + inconclusive + " registers undecided), entries re-applied after crashes "
                + nodes.values().stream().mapToLong(n -> n.reapplied).sum();
    }

    @Override
    public void close() throws IOException {
        for (SimClient c : clients) {
            c.dropSession();
        }
        // Threads still waiting inside a node unwind first, one at a time, before the nodes close.
        threads.close();
        for (SimNode n : nodes.values()) {
            try {
                n.close();
            } catch (RuntimeException e) {
                // The run is over; a node that cannot close cleanly must not hide the result.
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
