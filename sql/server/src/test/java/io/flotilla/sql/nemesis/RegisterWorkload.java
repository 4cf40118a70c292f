package io.flotilla.sql.nemesis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Registers, one row each: auto-commit reads ({@code SELECT V}, linearizable: the leader serves
 * it under its lease or after a ReadIndex round), writes ({@code UPDATE ... SET V = ?}) and
 * compare-and-sets ({@code UPDATE ... SET V = ? WHERE K = ? AND V = ?}: one row changed or none).
 * Every write puts a value never written before, so a read names the write it saw. The history,
 * with invocation and completion times, must be linearizable ({@link RegisterChecker}).
 *
 * <p>A few registers rather than one keep each key's history to a size the search handles
 * easily; linearizability is per object, so nothing is lost.
 */
final class RegisterWorkload implements Workload {

    static final String NAME = "register";
    static final int KEYS = 8;
    private static final long INITIAL_VALUE = 0;
    /** Enough for any linearizable history of this size; a violation is found well within it too. */
    private static final long MAX_STATES_PER_KEY = 5_000_000;

    private final List<Client> clients = new ArrayList<>();
    private final List<RegisterChecker.Verdict> verdicts = new ArrayList<>();
    private String verdict = "not verified";

    RegisterWorkload(int clientCount, ClientUrls urls, RunClock clock, long seed) {
        for (int i = 0; i < clientCount; i++) {
            clients.add(new Client(i, urls, clock, new Random(seed + 100 + i)));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE REGISTERS(K INT PRIMARY KEY, V BIGINT NOT NULL)");
            StringBuilder rows = new StringBuilder("INSERT INTO REGISTERS VALUES ");
            for (int k = 0; k < KEYS; k++) {
                rows.append(k == 0 ? "" : ", ").append('(').append(k).append(", ").append(INITIAL_VALUE).append(')');
            }
            s.executeUpdate(rows.toString());
        }
    }

    @Override
    public List<Client> clients() {
        return clients;
    }

    @Override
    public List<Anomaly> verify(Connection c) {
        List<RegisterChecker.Op> history = new ArrayList<>();
        for (Client client : clients) {
            history.addAll(client.history);
        }
        long started = System.nanoTime();
        verdicts.addAll(RegisterChecker.check(history, INITIAL_VALUE, MAX_STATES_PER_KEY));
        long millis = (System.nanoTime() - started) / 1_000_000;
        List<Anomaly> anomalies = new ArrayList<>();
        clients.forEach(client -> anomalies.addAll(client.anomalies));
        int linearizable = 0;
        int inconclusive = 0;
        int unknown = 0;
        long states = 0;
        for (RegisterChecker.Verdict v : verdicts) {
            unknown += v.unknownOutcomes();
            states += v.statesExplored();
            switch (v.status()) {
                case LINEARIZABLE -> linearizable++;
                case INCONCLUSIVE -> inconclusive++;
                case NOT_LINEARIZABLE -> anomalies.add(new Anomaly(NAME, -1, "key " + v.key() + " is not linearizable ("
                        + v.operations() + " operations): " + v.explanation()));
            }
        }
        verdict = String.format("%d operations on %d keys (%d with unknown outcome): %d keys linearizable, %d not, "
                + "%d inconclusive; %d states searched in %d ms", history.size(), verdicts.size(), unknown, linearizable,
                verdicts.size() - linearizable - inconclusive, inconclusive, states, millis);
        return anomalies;
    }

    /** Keys whose search ran out of budget: neither a pass nor a failure. */
    List<RegisterChecker.Verdict> inconclusive() {
        return verdicts.stream().filter(v -> v.status() == RegisterChecker.Status.INCONCLUSIVE).toList();
    }

    @Override
    public String verdict() {
        return verdict;
    }

    static final class Client extends WorkloadClient {
        final List<RegisterChecker.Op> history = new ArrayList<>();
        private final Random random;
        /** The last value this client saw in each register: what its compare-and-sets expect. */
        private final Map<Integer, Long> lastSeen = new HashMap<>();
        private long written;

        Client(int client, ClientUrls urls, RunClock clock, Random random) {
            super(NAME, client, urls, clock);
            this.random = random;
        }

        @Override
        void configure(Connection c) {
        }

        @Override
        void operate(Connection c) {
            int key = random.nextInt(KEYS);
            int dice = random.nextInt(4);
            if (dice < 2) {
                read(c, key);
            } else {
                // Unique and never the initial value: the client in the high bits, a counter below.
                long value = ((long) (client + 1) << 40) | ++written;
                if (dice == 2) {
                    write(c, key, value);
                } else {
                    compareAndSet(c, key, lastSeen.getOrDefault(key, INITIAL_VALUE), value);
                }
            }
        }

        private void read(Connection c, int key) {
            long node = linkedNode();
            long invoked = clock.now();
            try (PreparedStatement s = c.prepareStatement("SELECT V FROM REGISTERS WHERE K = ?")) {
                s.setInt(1, key);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        record("read", invoked, node, Outcome.Result.FAILED, null, "no row");
                        anomaly(invoked, "register " + key + " has no row");
                        return;
                    }
                    long value = rs.getLong(1);
                    Outcome o = record("read", invoked, node, Outcome.Result.OK, null);
                    history.add(RegisterChecker.Op.read(client, key, value, invoked, o.completedNanos()));
                    lastSeen.put(key, value);
                }
            } catch (SQLException e) {
                record("read", invoked, node, Outcome.Result.FAILED, e);   // a read without an answer did nothing
            }
        }

        private void write(Connection c, int key, long value) {
            long node = linkedNode();
            long invoked = clock.now();
            try (PreparedStatement s = c.prepareStatement("UPDATE REGISTERS SET V = ? WHERE K = ?")) {
                s.setLong(1, value);
                s.setInt(2, key);
                int n = s.executeUpdate();
                Outcome o = record("write", invoked, node, Outcome.Result.OK, null);
                if (n != 1) {
                    anomaly(invoked, "write of register " + key + " changed " + n + " rows");
                }
                history.add(RegisterChecker.Op.write(client, key, value, invoked, o.completedNanos()));
                lastSeen.put(key, value);
            } catch (SQLException e) {
                if (record("write", invoked, node, Outcome.ofFailedWrite(e), e).result() == Outcome.Result.UNKNOWN) {
                    history.add(RegisterChecker.Op.write(client, key, value, invoked, RegisterChecker.Op.UNKNOWN));
                }
            }
        }

        private void compareAndSet(Connection c, int key, long expected, long value) {
            long node = linkedNode();
            long invoked = clock.now();
            try (PreparedStatement s = c.prepareStatement("UPDATE REGISTERS SET V = ? WHERE K = ? AND V = ?")) {
                s.setLong(1, value);
                s.setInt(2, key);
                s.setLong(3, expected);
                int n = s.executeUpdate();
                Outcome o = record("cas", invoked, node, Outcome.Result.OK, null);
                if (n > 1) {
                    anomaly(invoked, "compare-and-set of register " + key + " changed " + n + " rows");
                }
                history.add(RegisterChecker.Op.cas(client, key, expected, value, n == 1, invoked, o.completedNanos()));
                if (n == 1) {
                    lastSeen.put(key, value);
                }
            } catch (SQLException e) {
                if (record("cas", invoked, node, Outcome.ofFailedWrite(e), e).result() == Outcome.Result.UNKNOWN) {
                    history.add(RegisterChecker.Op.cas(client, key, expected, value, false, invoked,
                            RegisterChecker.Op.UNKNOWN));
                }
            }
        }
    }
}
