package io.flotilla.statemachine.range;

import io.flotilla.raft.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replica equality under faults. Concurrent clients run random transactions — transfers between
 * accounts, inserts with identity columns, RANDOM_UUID(), RAND() and NOW() defaults, deletes that
 * cascade, a user trigger that writes an audit table, sequences, large and aborted transactions —
 * against a 3-node range while a nemesis crashes and restarts nodes, isolates the leader,
 * transfers leadership and compacts logs. Afterwards every replica's rows are equal at the same
 * applied index; the accounts equal those of a single H2 that ran the committed transactions
 * serially in log order; no identity value was ever handed out twice. The seed is printed; replay
 * with {@code -Dflotilla.range.seed=N}.
 */
class RangeWorkloadTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ACCOUNTS = 16;
    private static final int CLIENTS = 3;
    private static final long RUN_MILLIS = Long.getLong("flotilla.range.millis", 12_000);

    /** A committed transaction's statements on ACCOUNT, at the index it committed at. */
    private record Committed(long index, List<String> accountStatements) {
    }

    private final List<Committed> committed = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger unknown = new AtomicInteger();
    private final AtomicInteger retried = new AtomicInteger();
    private final AtomicInteger aborted = new AtomicInteger();
    private final List<String> faults = Collections.synchronizedList(new ArrayList<>());
    private final List<Throwable> broken = Collections.synchronizedList(new ArrayList<>());

    @Test
    void replicasStayEqualAndMatchASerialReplayUnderFaults() throws Exception {
        long seed = Long.getLong("flotilla.range.seed", System.nanoTime());
        String replay = "seed " + seed + " (replay: -Dflotilla.range.seed=" + seed + ")";
        try {
            run(seed, replay);
        } catch (Exception | AssertionError e) {
            throw new AssertionError(replay + ": " + e, e);
        }
    }

    private void run(long seed, String replay) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3).withSeed(seed), 1,
                RangeReplica.Options.defaults())) {
            createSchema(rc);
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                SplittableRandom clientRandom = random.split();
                byte[] session = UUID.randomUUID().toString().getBytes();
                Thread t = new Thread(() -> runClient(rc, clientRandom, session, running), "workload-client-" + i);
                clients.add(t);
                t.start();
            }
            runNemesis(rc, random.split(), running);
            for (Thread t : clients) {
                t.join(WAIT.toMillis() * 2);
            }
            assertTrue(broken.isEmpty(), replay + ": clients failed: " + broken);

            for (long node : rc.nodes()) {
                if (!rc.cluster.isUp(node)) {
                    rc.cluster.restart(node);
                }
            }
            rc.cluster.heal();
            long last = lastIndex(rc);
            Map<Long, String> digests = rc.digestsAt(last, WAIT);
            assertEquals(1, new HashSet<>(digests.values()).size(), replay + ": replicas differ at " + last + ": " + digests);
            long leader = rc.awaitServing(WAIT);
            assertEquals(serialReplay(), accounts(rc, leader), replay + ": accounts differ from a serial replay in log order");
            System.out.println("range workload: " + commits + " commits (" + unknown + " outcome-unknown, resolved by "
                    + "retry), " + retried + " retried after a refusal, " + aborted + " aborted on purpose; faults "
                    + faults + "; replicas equal at index " + last + "; " + replay);
            assertTrue(commits.get() > 20, replay + ": too little work got done to mean anything: " + commits);
        }
    }

    private void createSchema(RangeCluster rc) throws Exception {
        byte[] admin = {0};
        long sequence = 1;
        String[] ddl = {
            "CREATE TABLE ACCOUNT(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL, TOUCHED TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
            "CREATE TABLE ITEM(ID BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                    + "ACCOUNT_ID INT NOT NULL REFERENCES ACCOUNT(ID) ON DELETE CASCADE, TOKEN UUID DEFAULT RANDOM_UUID(), "
                    + "R DOUBLE PRECISION DEFAULT RAND(), ADDED TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, "
                    + "NOTE VARCHAR(2000))",
            "CREATE TABLE AUDIT(ID BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ACCOUNT_ID INT, DELTA BIGINT)",
            "CREATE TRIGGER ACCOUNT_AUDIT AFTER UPDATE ON ACCOUNT FOR EACH ROW CALL '" + AuditOnUpdate.class.getName() + "'",
            "CREATE SEQUENCE ORDER_NUMBER START WITH 1000",
        };
        try (RangeSession s = rc.replica(rc.awaitServing(WAIT)).session(admin)) {
            for (String statement : ddl) {
                Outcome o = s.schemaChange(statement, sequence++).get(30, TimeUnit.SECONDS);
                assertTrue(o instanceof Outcome.Applied, statement + ": " + o);
            }
            List<String> inserts = new ArrayList<>();
            for (int id = 1; id <= ACCOUNTS; id++) {
                inserts.add("INSERT INTO ACCOUNT(ID, BALANCE) VALUES (" + id + ", 1000)");
            }
            for (String insert : inserts) {
                execute(s, insert);
            }
            Outcome.Applied applied = (Outcome.Applied) s.commit(sequence).get(30, TimeUnit.SECONDS);
            committed.add(new Committed(applied.index(), inserts));
        }
    }

    // ------------------------------------------------------------------ clients

    private void runClient(RangeCluster rc, SplittableRandom random, byte[] session, AtomicBoolean running) {
        long sequence = 1;
        try {
            while (running.get()) {
                List<String> statements = randomTransaction(random);
                boolean abort = random.nextInt(12) == 0;
                if (commit(rc, session, sequence, statements, abort)) {
                    sequence++;
                }
            }
        } catch (Throwable t) {
            broken.add(t);
        }
    }

    /**
     * Runs one transaction until its fate is known. Returns whether the sequence number was used
     * (by a commit that reached the log, or could have).
     */
    private boolean commit(RangeCluster rc, byte[] session, long sequence, List<String> statements, boolean abort)
            throws Exception {
        boolean uncertain = false;
        long deadline = System.nanoTime() + 3 * WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            long leader;
            try {
                leader = rc.awaitServing(WAIT);
            } catch (AssertionError noLeader) {
                continue;
            }
            try (RangeSession s = rc.replica(leader).session(session)) {
                for (String statement : statements) {
                    execute(s, statement);
                }
                if (abort && !uncertain) {
                    s.rollback();
                    aborted.incrementAndGet();
                    return false;
                }
                Outcome outcome = s.commit(sequence).get(30, TimeUnit.SECONDS);
                if (outcome instanceof Outcome.Applied applied) {
                    commits.incrementAndGet();
                    committed.add(new Committed(applied.index(), accountStatements(statements)));
                    return true;
                }
                // Refused at apply (a schema or term fence): not applied, and the number is spent.
                retried.incrementAndGet();
                return true;
            } catch (ExecutionException | SQLException | TimeoutException | IllegalStateException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                String state = cause instanceof SQLException sql ? sql.getSQLState() : null;
                if ("23505".equals(state) && String.valueOf(cause.getMessage()).contains("ITEM")) {
                    throw new AssertionError("an identity value was handed out twice", cause);
                }
                if (SqlStates.OUTCOME_UNKNOWN.equals(state) || cause instanceof TimeoutException) {
                    // It may have committed: only the same sequence number may be retried.
                    uncertain = true;
                    unknown.incrementAndGet();
                    continue;
                }
                if (!uncertain) {
                    // Certainly not applied (refused, rolled back, lost with its node before the commit).
                    retried.incrementAndGet();
                    return false;
                }
            }
        }
        throw new AssertionError("a transaction's fate stayed unknown for " + 3 * WAIT.toSeconds() + " s: " + statements);
    }

    private static List<String> randomTransaction(SplittableRandom random) {
        List<String> statements = new ArrayList<>();
        int a = 1 + random.nextInt(ACCOUNTS);
        int b = 1 + random.nextInt(ACCOUNTS);
        switch (random.nextInt(6)) {
            case 0, 1 -> {
                long amount = 1 + random.nextInt(50);
                statements.add("UPDATE ACCOUNT SET BALANCE = BALANCE - " + amount + ", TOUCHED = NOW() WHERE ID = " + a);
                statements.add("UPDATE ACCOUNT SET BALANCE = BALANCE + " + amount + ", TOUCHED = NOW() WHERE ID = " + b);
            }
            case 2 -> {
                int items = 1 + random.nextInt(5);
                for (int i = 0; i < items; i++) {
                    statements.add("INSERT INTO ITEM(ACCOUNT_ID, NOTE) SELECT ID, 'order ' || NEXT VALUE FOR ORDER_NUMBER "
                            + "FROM ACCOUNT WHERE ID = " + a);
                }
            }
            case 3 -> {
                statements.add("DELETE FROM ACCOUNT WHERE ID = " + a);
                statements.add("INSERT INTO ACCOUNT(ID, BALANCE) VALUES (" + a + ", 1000)");
            }
            case 4 -> statements.add("INSERT INTO ITEM(ACCOUNT_ID, NOTE) SELECT ID, REPEAT('x', 1500) "
                    + "FROM ACCOUNT, SYSTEM_RANGE(1, 200) WHERE ID = " + a);
            default -> statements.add("DELETE FROM ITEM WHERE ID IN (SELECT ID FROM ITEM WHERE ACCOUNT_ID = " + a
                    + " ORDER BY ID LIMIT 3)");
        }
        return statements;
    }

    private static List<String> accountStatements(List<String> statements) {
        return statements.stream().filter(s -> s.startsWith("UPDATE ACCOUNT ") || s.startsWith("DELETE FROM ACCOUNT ")
                || s.startsWith("INSERT INTO ACCOUNT(")).toList();
    }

    // ------------------------------------------------------------------ nemesis

    private void runNemesis(RangeCluster rc, SplittableRandom random, AtomicBoolean running) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
        List<Long> nodes = new ArrayList<>(rc.nodes());
        try {
            while (System.nanoTime() < end) {
                Thread.sleep(300 + random.nextInt(600));
                long victim = nodes.get(random.nextInt(nodes.size()));
                switch (random.nextInt(4)) {
                    case 0 -> {
                        faults.add("crash " + victim);
                        rc.cluster.crash(victim);
                        Thread.sleep(200 + random.nextInt(600));
                        rc.cluster.restart(victim);
                    }
                    case 1 -> {
                        long leader = rc.awaitServing(WAIT);
                        faults.add("isolate leader " + leader);
                        rc.cluster.isolate(leader);
                        Thread.sleep(300 + random.nextInt(700));
                        rc.cluster.heal();
                    }
                    case 2 -> {
                        faults.add("transfer to " + victim);
                        rc.cluster.transferLeadership(1, victim, Duration.ofSeconds(5));
                    }
                    default -> {
                        faults.add("compact " + victim);
                        rc.cluster.compact(1, victim);
                    }
                }
            }
        } finally {
            running.set(false);
            rc.cluster.heal();
        }
    }

    // ------------------------------------------------------------------ checks

    /** Commits a write that orders after everything the clients did, and returns its index. */
    private static long lastIndex(RangeCluster rc) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try (RangeSession s = rc.replica(rc.awaitServing(WAIT)).session(UUID.randomUUID().toString().getBytes())) {
                execute(s, "UPDATE ACCOUNT SET BALANCE = BALANCE WHERE ID = 1");
                s.run(c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("SELECT NEXT VALUE FOR ORDER_NUMBER");
                    }
                    return null;
                });
                return ((Outcome.Applied) s.commit(1).get(30, TimeUnit.SECONDS)).index();
            } catch (ExecutionException | SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private Map<Integer, Long> serialReplay() throws SQLException {
        List<Committed> inOrder = new ArrayList<>(committed);
        inOrder.sort((x, y) -> Long.compare(x.index(), y.index()));
        try (Connection h2 = DriverManager.getConnection("jdbc:h2:mem:serial-" + UUID.randomUUID(), "sa", "");
             Statement s = h2.createStatement()) {
            s.execute("CREATE TABLE ACCOUNT(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL, TOUCHED TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
            for (Committed c : inOrder) {
                for (String statement : c.accountStatements()) {
                    s.executeUpdate(statement);
                }
            }
            return balances(h2);
        }
    }

    private static Map<Integer, Long> accounts(RangeCluster rc, long node) throws SQLException {
        try (Connection c = rc.replica(node).store().connect()) {
            return balances(c);
        }
    }

    private static Map<Integer, Long> balances(Connection c) throws SQLException {
        Map<Integer, Long> balances = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT ID, BALANCE FROM ACCOUNT ORDER BY ID")) {
            while (rs.next()) {
                balances.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return balances;
    }

    private static void execute(RangeSession s, String sql) throws SQLException {
        s.run(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate(sql);
            }
        });
    }
}
