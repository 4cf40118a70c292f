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

/**
 * Acknowledged inserts: each client inserts ids of its own, one auto-commit statement each, which
 * the driver resends exactly-once across failovers. At the end every acknowledged id must be there
 * exactly once, an id whose outcome was unknown at most once, and nothing else.
 *
 * <p>The primary key is a generated row id, not the inserted id: a write applied twice then shows
 * up as two rows with the same {@code ID}, where a primary key on {@code ID} would have refused
 * the second copy and hidden it.
 */
final class InsertWorkload implements Workload {

    static final String NAME = "insert";
    private static final long IDS_PER_CLIENT = 1_000_000_000L;

    /** One insert, by id. */
    record Attempt(long id, Outcome outcome) {
    }

    private final List<Client> clients = new ArrayList<>();
    private String verdict = "not verified";

    InsertWorkload(int clientCount, ClientUrls urls, RunClock clock) {
        for (int i = 0; i < clientCount; i++) {
            clients.add(new Client(i, urls, clock));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE INSERTS(ROW_ID BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                    + "ID BIGINT NOT NULL, CLIENT INT NOT NULL)");
        }
    }

    @Override
    public List<Client> clients() {
        return clients;
    }

    @Override
    public List<Anomaly> verify(Connection c) throws SQLException {
        Map<Long, Attempt> attempts = new HashMap<>();
        for (Client client : clients) {
            for (Attempt a : client.attempts) {
                attempts.put(a.id(), a);
            }
        }
        Map<Long, Integer> copies = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT ID FROM INSERTS")) {
            while (rs.next()) {
                copies.merge(rs.getLong(1), 1, Integer::sum);
            }
        }
        List<Anomaly> anomalies = new ArrayList<>();
        clients.forEach(client -> anomalies.addAll(client.anomalies));
        int acknowledged = 0;
        int unknown = 0;
        int unknownPresent = 0;
        for (Attempt a : attempts.values()) {
            int n = copies.getOrDefault(a.id(), 0);
            Outcome o = a.outcome();
            switch (o.result()) {
                case OK -> {
                    acknowledged++;
                    if (n != 1) {
                        anomalies.add(new Anomaly(NAME, o.invokedNanos(), "acknowledged id " + a.id() + " is present "
                                + n + " times (client " + o.client() + ")"));
                    }
                }
                case UNKNOWN -> {
                    unknown++;
                    unknownPresent += n > 0 ? 1 : 0;
                    if (n > 1) {
                        anomalies.add(new Anomaly(NAME, o.invokedNanos(), "id " + a.id() + " (outcome unknown, "
                                + o.sqlState() + ") is present " + n + " times"));
                    }
                }
                case FAILED -> {
                    if (n > 0) {
                        anomalies.add(new Anomaly(NAME, o.invokedNanos(), "id " + a.id() + " failed with "
                                + o.sqlState() + " (so certainly not applied) but is present " + n + " times"));
                    }
                }
            }
        }
        for (Map.Entry<Long, Integer> row : copies.entrySet()) {
            if (!attempts.containsKey(row.getKey())) {
                anomalies.add(new Anomaly(NAME, -1, "id " + row.getKey() + " is present " + row.getValue()
                        + " times but no client inserted it"));
            }
        }
        verdict = String.format("%d acknowledged inserts all present exactly once: %s; %d with unknown outcome "
                + "(%d of them applied); %d rows in all", acknowledged,
                anomalies.isEmpty() ? "yes" : "NO", unknown, unknownPresent,
                copies.values().stream().mapToInt(Integer::intValue).sum());
        return anomalies;
    }

    @Override
    public String verdict() {
        return verdict;
    }

    static final class Client extends WorkloadClient {
        final List<Attempt> attempts = new ArrayList<>();
        private long next;

        Client(int client, ClientUrls urls, RunClock clock) {
            super(NAME, client, urls, clock);
        }

        @Override
        void configure(Connection c) {
        }

        @Override
        void operate(Connection c) {
            long id = (client + 1) * IDS_PER_CLIENT + next++;
            long node = linkedNode();
            long invoked = clock.now();
            Outcome outcome;
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO INSERTS(ID, CLIENT) VALUES (?, ?)")) {
                insert.setLong(1, id);
                insert.setInt(2, client);
                int count = insert.executeUpdate();
                outcome = record("insert", invoked, node, Outcome.Result.OK, null);
                if (count != 1) {
                    anomaly(invoked, "INSERT of id " + id + " reported " + count + " rows");
                }
            } catch (SQLException e) {
                outcome = record("insert", invoked, node, Outcome.ofFailedWrite(e), e);
            }
            attempts.add(new Attempt(id, outcome));
        }
    }
}
