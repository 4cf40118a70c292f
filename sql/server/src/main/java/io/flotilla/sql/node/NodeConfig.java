package io.flotilla.sql.node;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A node's settings, from {@code --flag value} arguments and an optional properties file
 * ({@code --config}); flags win. Property names are the flag names without the dashes.
 *
 * @param peers the initial voters of every range, by node id (this node among them unless it joins)
 * @param join start empty and wait to be added as a learner, instead of bootstrapping the ranges
 * @param idleInTransactionTimeout how long a client may leave a transaction open without sending
 *        anything before its connection is closed and the transaction rolled back (its locks
 *        released), as PostgreSQL's {@code idle_in_transaction_session_timeout}; zero: never
 */
public record NodeConfig(long nodeId, InetSocketAddress raft, InetSocketAddress sql, Path dataDir,
                         SortedMap<Long, Peer> peers, Duration electionTimeout, Duration heartbeat,
                         Duration maxClockDrift, boolean join, Duration idleInTransactionTimeout) {

    static final String USAGE = """
            usage: java -jar flotilla-node.jar --node-id N --raft host:port --sql host:port --data-dir DIR
                     --peers 1=host:raftPort/host:sqlPort,2=...,3=...
                     [--election-timeout-ms 1000] [--heartbeat-ms 100] [--max-clock-drift-ms 100]
                     [--idle-in-transaction-timeout-ms 60000] [--config node.properties] [--join]
                   java -jar flotilla-node.jar admin --sql host:port status|transfer|add-learner|promote ...""";

    public NodeConfig {
        if (nodeId <= 0) {
            throw new IllegalArgumentException("--node-id must be positive");
        }
        if (!join && !peers.containsKey(nodeId)) {
            throw new IllegalArgumentException("--peers must list this node (" + nodeId + ") unless it --join s");
        }
        if (electionTimeout.compareTo(heartbeat) <= 0 || electionTimeout.minus(maxClockDrift).compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("need heartbeat < election timeout - max clock drift");
        }
        if (idleInTransactionTimeout.isNegative()) {
            throw new IllegalArgumentException("--idle-in-transaction-timeout-ms must not be negative");
        }
    }

    public static NodeConfig parse(String[] args) throws IOException {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a + "\n" + USAGE);
            }
            String name = a.substring(2);
            if (name.equals("join")) {
                flags.put(name, "true");
            } else if (i + 1 < args.length) {
                flags.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + USAGE);
            }
        }
        Properties file = new Properties();
        if (flags.containsKey("config")) {
            try (Reader in = Files.newBufferedReader(Path.of(flags.get("config")))) {
                file.load(in);
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        file.forEach((k, v) -> all.put(k.toString(), v.toString()));
        all.putAll(flags);
        SortedMap<Long, Peer> peers = new TreeMap<>();
        for (String spec : required(all, "peers").split(",")) {
            if (!spec.isBlank()) {
                Peer p = Peer.parse(spec);
                peers.put(p.id(), p);
            }
        }
        return new NodeConfig(Long.parseLong(required(all, "node-id")), Peer.address(required(all, "raft")),
                Peer.address(required(all, "sql")), Path.of(required(all, "data-dir")), peers,
                Duration.ofMillis(Long.parseLong(all.getOrDefault("election-timeout-ms", "1000"))),
                Duration.ofMillis(Long.parseLong(all.getOrDefault("heartbeat-ms", "100"))),
                Duration.ofMillis(Long.parseLong(all.getOrDefault("max-clock-drift-ms", "100"))),
                Boolean.parseBoolean(all.getOrDefault("join", "false")),
                Duration.ofMillis(Long.parseLong(all.getOrDefault("idle-in-transaction-timeout-ms", "60000"))));
    }

    private static String required(Map<String, String> all, String name) {
        String v = all.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required\n" + USAGE);
        }
        return v;
    }
}
